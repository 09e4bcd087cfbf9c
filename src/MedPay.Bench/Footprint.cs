using MedPay.Contracts;
using Orleans.Runtime;

namespace MedPay.Bench;

public sealed record FootprintResult(int Grains, long BaselineBytes, long ActivatedBytes, long AfterCollectionBytes, int ActivationsBefore, int ActivationsAfter, double EmptyGrainBytes)
{
    public double BytesPerGrain => (double)(ActivatedBytes - BaselineBytes) / Grains;
}

/// <summary>The least an activation costs: a grain with no state, no fields and one method, measured the same way.</summary>
public interface IEmptyGrain : IGrainWithStringKey
{
    Task PingAsync();
}

public sealed class EmptyGrain : Grain, IEmptyGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

/// <summary>Managed memory of a silo with many idle order grains activated, and after the idle ones are collected.</summary>
public static class Footprint
{
    public static async Task<FootprintResult> MeasureAsync(int count)
    {
        Console.WriteLine($"  footprint: activating {count} order grains");
        await using var silo = await BenchSilo.StartAsync("Memory", null, "footprint-" + Guid.NewGuid().ToString("N")[..8]);
        var grains = silo.Grains;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => grains.GetGrain<IMedicalOrderGrain>($"warm~{i}").GetAsync()));
        var baseline = Measure();
        for (var start = 0; start < count; start += 2_000)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(2_000, count - start)).Select(i => grains.GetGrain<IMedicalOrderGrain>($"fp~order-{i}").GetAsync()));
        }

        var activated = Measure();
        var management = grains.GetGrain<IManagementGrain>(0);
        var before = await OrderActivationsAsync(management);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var after = before;
        for (var i = 0; i < 60 && after > 0; i++)
        {
            await Task.Delay(1_000);
            after = await OrderActivationsAsync(management);
        }

        var collected = Measure();
        Console.WriteLine($"  footprint: activating {count} empty grains for comparison");
        for (var start = 0; start < count; start += 2_000)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(2_000, count - start)).Select(i => grains.GetGrain<IEmptyGrain>($"fp~empty-{i}").PingAsync()));
        }

        return new FootprintResult(count, baseline, activated, collected, before, after, (double)(Measure() - collected) / count);
    }

    private static async Task<int> OrderActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains("MedicalOrder", StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    private static long Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
