using System.Net;
using System.Net.Sockets;
using MedPay.Bench.Peer;
using MedPay.Grains;
using MedPay.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace MedPay.Bench;

/// <summary>One MedPay silo in this process, configured as production but for the storage under test, with a write counter.</summary>
public sealed class BenchSilo : IAsyncDisposable
{
    private const string RealStorage = "medpay-real";
    private readonly IHost _host;

    private BenchSilo(IHost host, CountingGrainStorage storage, CountingReminderTable reminders, int gatewayPort)
    {
        _host = host;
        Storage = storage;
        Reminders = reminders;
        GatewayPort = gatewayPort;
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    public CountingGrainStorage Storage { get; }

    public CountingReminderTable Reminders { get; }

    public WriteCounts Writes() => new(Storage.WritesByState, Reminders.Writes, Storage.Reads);

    /// <summary>The counters of several silos added up.</summary>
    public static WriteCounts Writes(IEnumerable<BenchSilo> silos) => silos.Select(s => s.Writes()).Aggregate((a, b) => new(
        a.ByState.Keys.Union(b.ByState.Keys).ToDictionary(k => k, k => a.ByState.GetValueOrDefault(k) + b.ByState.GetValueOrDefault(k)),
        a.Reminders + b.Reminders,
        a.Reads + b.Reads));

    public int GatewayPort { get; }

    /// <summary>
    /// Deactivates every activation and counts the writes that makes: what was applied in memory and left to be written
    /// later (the vouchers' deferred commits) is written now, so a run is charged for it.
    /// </summary>
    public async Task<WriteCounts> FlushDeferredWritesAsync()
    {
        var before = Writes();
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        // Collection runs asynchronously on the silo: wait until the write counters stop moving.
        var last = before;
        for (var quiet = 0; quiet < 3;)
        {
            await Task.Delay(200);
            var now = Writes();
            quiet = now.State == last.State ? quiet + 1 : 0;
            last = now;
        }

        return last.Since(before);
    }

    /// <summary>
    /// One silo; with <paramref name="membershipTable"/>, a member of a cluster whose membership is that Azure table on
    /// <paramref name="connectionString"/> (every silo started with the same table and <paramref name="serviceId"/> joins it).
    /// </summary>
    public static async Task<BenchSilo> StartAsync(string storageProvider, string? connectionString, string serviceId, string? membershipTable = null)
    {
        var gatewayPort = FreePort();
        // Development: the bench silo runs on the development identity keys of silosettings.json, with the in-process sandbox
        // platform and memory storage, which Production refuses.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("MedPay", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.None);
        builder.Configuration.AddMedPaySiloSettings().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MedPay:Storage:Provider"] = storageProvider,
            ["MedPay:Storage:ConnectionString"] = connectionString,
            ["MedPay:Storage:TableName"] = "bench" + serviceId.Replace("-", ""),
            ["MedPay:Clustering:Provider"] = membershipTable is null ? "Localhost" : "AzureTable",
            ["MedPay:Clustering:TableName"] = membershipTable,
            ["MedPay:Clustering:AdvertisedIP"] = "127.0.0.1",
            // The dashboard's profiler sees every grain call: the bench measures MedPay without it.
            ["MedPay:Dashboard:Enabled"] = "false",
            ["MedPay:Clustering:ServiceId"] = serviceId,
            ["MedPay:Clustering:ClusterId"] = serviceId,
            ["MedPay:Clustering:SiloPort"] = FreePort().ToString(),
            ["MedPay:Clustering:GatewayPort"] = gatewayPort.ToString(),
            // The benchmark measures MedPay, not the network to a platform: the sandbox engine runs in the silo.
            ["MedPay:Platform:Mode"] = "InProcess",
        });
        CountingGrainStorage? counter = null;
        CountingReminderTable? reminders = null;
        builder.UseOrleans(silo =>
        {
            silo.UseMedPayClustering(builder.Configuration).AddMedPay(builder.Configuration, RealStorage).UseTransactionsPeer();
            silo.Services.AddKeyedSingleton<IGrainStorage>(
                MedPayGrainServices.StorageName,
                (sp, _) => counter = new CountingGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(RealStorage)));
            CountingReminderTable.Decorate(silo.Services, table => reminders = table);
        });
        var host = builder.Build();
        await host.StartAsync();
        _ = host.Services.GetRequiredKeyedService<IGrainStorage>(MedPayGrainServices.StorageName);
        _ = host.Services.GetRequiredService<IReminderTable>();
        return new BenchSilo(host, counter!, reminders!, gatewayPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
