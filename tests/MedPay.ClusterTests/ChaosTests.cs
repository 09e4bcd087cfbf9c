using Xunit.Abstractions;

namespace MedPay.ClusterTests;

public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Payments_under_silo_kills_repeats_and_platform_faults_keep_every_invariant()
    {
        var run = new ChaosRun(new ChaosSettings(Vouchers: 20, Orders: 150, Concurrency: 24, SiloKills: 2, Silos: 3, Seed: 2611).FromEnvironment(), Log);
        await run.RunAsync();
        Assert.Empty(run.Violations);
    }

    [Fact]
    [Trait("Category", "Long")]
    public async Task Thousands_of_payments_under_many_silo_kills_keep_every_invariant()
    {
        var run = new ChaosRun(new ChaosSettings(Vouchers: 200, Orders: 3_000, Concurrency: 64, SiloKills: 10, Silos: 4, Seed: 1126).FromEnvironment(), Log);
        await run.RunAsync();
        Assert.Empty(run.Violations);
    }

    private void Log(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
