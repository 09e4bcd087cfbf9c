using MedPay.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.ApiTests;

/// <summary>A silo with a bad configuration does not start: it says why, instead of answering 500 on the first payment.</summary>
public sealed class StartupTests
{
    private static IHost Silo(string environment, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddMedPaySiloSettings().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MedPay:Storage:Provider"] = "Memory",
            ["MedPay:Clustering:ServiceId"] = "startup-" + Guid.NewGuid().ToString("N")[..8],
            ["MedPay:Clustering:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MedPay:Clustering:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.UseOrleans(s => s.UseMedPayClustering(builder.Configuration).AddMedPay(builder.Configuration));
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every reason the host gave for not starting (one failing options class, or several).</summary>
    private static async Task<string> RefusalAsync(IHost silo)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => silo.StartAsync());
        var all = error is AggregateException many ? many.InnerExceptions.ToList() : [error];
        Assert.All(all, e => Assert.IsType<OptionsValidationException>(e));
        return string.Join("\n", all.Select(e => e.Message));
    }

    [Theory]
    [InlineData("EmployeeFundRatioBp", "12000", "ratios are 0 to 10000")]
    [InlineData("CategoryBSelfPayBp", "-1", "ratios are 0 to 10000")]
    [InlineData("DeductibleFen", "-5", "must not be negative")]
    [InlineData("AnnualFundCapFen", "-1", "must not be negative")]
    public async Task A_silo_with_an_invalid_regional_policy_does_not_start(string field, string value, string reason)
    {
        using var silo = Silo(Environments.Development, new() { [$"MedPay:Policies:Regions:330100:{field}"] = value });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());
        Assert.Contains($"MedPay:Policies:Regions:330100:{field}", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task A_silo_with_a_region_key_that_is_not_a_region_code_does_not_start()
    {
        using var silo = Silo(Environments.Development, new() { ["MedPay:Policies:Regions:HZ:Name"] = "Hangzhou", ["MedPay:Policies:Regions:HZ:EmployeeFundRatioBp"] = "8000" });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());
        Assert.Contains("6-digit region code", error.Message);
    }

    [Fact]
    public async Task Bad_durations_stop_the_silo_too()
    {
        using var silo = Silo(Environments.Development, new() { ["MedPay:Gateway:CallTimeout"] = "-00:00:01", ["MedPay:Orders:IndexSegmentSize"] = "0" });
        var text = await RefusalAsync(silo);
        Assert.Contains("MedPay:Gateway:CallTimeout", text);
        Assert.Contains("MedPay:Orders:IndexSegmentSize", text);
    }

    [Fact]
    public async Task In_Production_the_silo_refuses_the_development_platform_key_and_development_storage()
    {
        using var silo = Silo(Environments.Production, new()
        {
            ["MedPay:Storage:Provider"] = "AzureTable",
            ["MedPay:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        });
        var text = await RefusalAsync(silo);
        Assert.Contains("MedPay:Platform:SigningKey is the development key", text);
        Assert.Contains("MedPay:Storage:ConnectionString", text);
    }

    [Fact]
    public async Task In_Production_the_silo_refuses_the_in_process_sandbox_and_a_platform_over_plain_http()
    {
        using (var silo = Silo(Environments.Production, new() { ["MedPay:Platform:Mode"] = "InProcess" }))
        {
            Assert.Contains("MedPay:Platform:Mode is 'InProcess' in the Production environment", await RefusalAsync(silo));
        }

        using (var silo = Silo(Environments.Production, new() { ["MedPay:Platform:BaseAddress"] = "http://mip.example.gov.cn/" }))
        {
            Assert.Contains("MedPay:Platform:BaseAddress must be https outside Development", await RefusalAsync(silo));
        }
    }

    [Theory]
    [InlineData("SigningKey", "not-hex", "MedPay:Platform:SigningKey: The SM2 private key is not hex.")]
    [InlineData("SigningKey", "00", "MedPay:Platform:SigningKey: The SM2 private key must be 32 bytes")]
    [InlineData("PlatformPublicKey", "04AB", "MedPay:Platform:PlatformPublicKey: The SM2 public key must be 65 bytes")]
    [InlineData("InstitutionCode", "", "MedPay:Platform:InstitutionCode is required")]
    [InlineData("Mode", "Sandbox", "MedPay:Platform:Mode 'Sandbox' is unknown")]
    [InlineData("AttemptTimeout", "00:01:00", "BreakerSampling at least twice AttemptTimeout")]
    public async Task A_bad_platform_setting_stops_the_silo_with_its_name(string key, string value, string expected)
    {
        using var silo = Silo(Environments.Development, new() { [$"MedPay:Platform:{key}"] = value });
        Assert.Contains(expected, await RefusalAsync(silo));
    }

    [Fact]
    public async Task In_Production_memory_storage_the_emulator_and_no_cluster_TLS_are_refused()
    {
        foreach (var settings in new Dictionary<string, string?>[]
        {
            new() { ["MedPay:Storage:Provider"] = "Memory" },
            new() { ["MedPay:Storage:Provider"] = "AzureTable", ["MedPay:Storage:ConnectionString"] = "UseDevelopmentStorage=true" },
            new() { ["MedPay:Storage:Provider"] = "AzureTable" },
        })
        {
            using var silo = Silo(Environments.Production, settings);
            var text = await RefusalAsync(silo);
            Assert.Contains("MedPay:Storage", text);
            Assert.Contains("MedPay:Cluster:Tls:Enabled", text);
        }
    }
}
