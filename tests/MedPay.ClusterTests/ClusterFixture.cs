using MedPay.Testing;
using System.Net;
using Azure.Data.Tables;
using MedPay.Api;
using MedPay.Grains;
using MedPay.Platform;
using MedPay.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace MedPay.ClusterTests;

/// <summary>
/// Configures each test silo as production does (Azure table storage and reminders on Azurite), plus: the shared
/// sandbox, this cluster's clock, flow hooks that can stop a payment at a step, the TestingHost's fault-injection
/// storage around the real storage, short recovery periods, and fast failure detection.
/// </summary>
public sealed class MedPayTestSilo : ISiloConfigurator
{
    private const string RealStorage = "medpay-azure";

    /// <summary>The name of the Azure table storage under the fault-injection storage.</summary>
    public const string RealStorageName = RealStorage;

    public void Configure(ISiloBuilder silo)
    {
        var configuration = silo.Configuration;
        silo.Services.AddKeyedSingleton<TimeProvider>(MedPayClock.Key, TestWorld.ClockFor(configuration["MedPay:Test:ClockId"]!));
        silo.Services.AddSingleton<IPaymentFlowHooks>(sp => new TestFlowHooks(TestWorld.Flow, sp.GetRequiredService<ILocalSiloDetails>().SiloAddress));
        silo.AddMedPay(configuration, RealStorage);
        silo.Services.AddKeyedSingleton<IGrainStorage>(
            MedPayGrainServices.StorageName,
            (sp, _) => FaultInjectionGrainStorageFactory.Create(sp, MedPayGrainServices.StorageName, (s, _) => s.GetRequiredKeyedService<IGrainStorage>(RealStorage)));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        if (configuration.GetValue<bool>("MedPay:Test:AzureClustering"))
        {
            silo.UseAzureStorageClustering(o =>
            {
                o.TableServiceClient = new TableServiceClient(TestWorld.StorageConnectionString);
                o.TableName = "MedPayTestMembership";
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
            });
        }
    }
}

/// <summary>
/// The client of a test cluster: over TLS with the cluster certificate, as the API's client, when the cluster uses it;
/// with Azure Table clustering it finds the gateways in the same table.
/// </summary>
public sealed class MedPayTestClient : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder client)
    {
        client.UseMedPayClusterTls(configuration);
        if (configuration.GetValue<bool>("MedPay:Test:AzureClustering"))
        {
            client.UseAzureStorageClustering(o =>
            {
                o.TableServiceClient = new TableServiceClient(TestWorld.StorageConnectionString);
                o.TableName = "MedPayTestMembership";
            });
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

/// <summary>A test cluster on Azure table storage (Azurite), with its own table so that runs never see each other's state.</summary>
public sealed class MedPayCluster : IAsyncDisposable
{
    private MedPayCluster(TestCluster cluster, string serviceId, string tableName)
    {
        Cluster = cluster;
        ServiceId = serviceId;
        TableName = tableName;
    }

    public TestCluster Cluster { get; }

    public string ServiceId { get; }

    public string TableName { get; }

    /// <summary>The gateways of the running silos, for a client built outside the test cluster.</summary>
    public IReadOnlyList<IPEndPoint> Gateways => Cluster.GetActiveSilos().Select(s => s.GatewayAddress.Endpoint).ToList();

    public IGrainFactory Grains => Cluster.GrainFactory;

    public TestClock Clock => TestWorld.ClockFor(ServiceId);

    /// <summary>What is stored of the grain's state <paramref name="stateName"/>, read from the storage itself (not the grain's memory).</summary>
    public async Task<T> ReadStoredStateAsync<T>(IAddressable grain, string stateName)
        where T : new()
    {
        var silo = (InProcessSiloHandle)Cluster.Primary!;
        var storage = silo.SiloHost!.Services.GetRequiredKeyedService<IGrainStorage>(MedPayTestSilo.RealStorageName);
        var stored = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grain.GetGrainId(), stored);
        return stored.State!;
    }

    /// <summary>Makes the next write of this grain's state fail with <paramref name="fault"/>, once.</summary>
    public Task FailNextWriteAsync(IAddressable grain, string stateName, Exception fault) =>
        Grains.GetGrain<IStorageFaultGrain>(stateName).AddFaultOnWrite(grain.GetGrainId(), fault);

    /// <summary>
    /// Starts a cluster; give the service id and table of an earlier one to restart it on the same state.
    /// <paramref name="azureClustering"/> uses Azure Table membership (any silo may be killed) instead of the test membership.
    /// <paramref name="tls"/> connects silos and clients over TCP with mutual TLS (<c>MedPay:Cluster:Tls</c>) and
    /// <see cref="TestCertificates.Cluster"/>, as a production cluster is; otherwise over the test cluster's in-memory transport.
    /// </summary>
    /// <param name="sandbox">The sandbox platform process to settle with; the run's shared one when null.</param>
    public static async Task<MedPayCluster> StartAsync(short silos = 1, string? serviceId = null, string? tableName = null, bool azureClustering = false, bool tls = false, SandboxProcess? sandbox = null)
    {
        serviceId ??= "medpay-test-" + Guid.NewGuid().ToString("N")[..12];
        tableName ??= "medpaytest" + Guid.NewGuid().ToString("N");
        sandbox ??= await TestWorld.EnsureSandboxAsync();
        var builder = new TestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.UseTestClusterMembership = !azureClustering;
        if (tls)
        {
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        }

        builder.ConfigureHostConfiguration(config => config
            .AddMedPaySiloSettings()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MedPay:Storage:Provider"] = "AzureTable",
                ["MedPay:Storage:ConnectionString"] = TestWorld.StorageConnectionString,
                ["MedPay:Storage:TableName"] = tableName,
                ["MedPay:Test:ClockId"] = serviceId,
                ["MedPay:Gateway:CallTimeout"] = "00:00:02",
                ["MedPay:Gateway:QueryBackoff"] = "00:00:00.020",
                // Tiny index segments, so that every listing and sweep test also crosses segments.
                ["MedPay:Orders:IndexSegmentSize"] = "2",
                ["MedPay:Recovery:ResumeEvery"] = "00:00:02",
                ["MedPay:Recovery:StaleReservationAfter"] = "00:00:03",
                ["MedPay:Notifications:FirstRetry"] = "00:00:00.200",
                ["MedPay:Notifications:MaxRetry"] = "00:00:01",
                // The tests' callback listeners run on loopback, which production refuses.
                ["MedPay:Notifications:AllowedCallbackHosts:0"] = "127.0.0.1",
                ["MedPay:Test:AzureClustering"] = azureClustering.ToString(),
            })
            .AddInMemoryCollection(sandbox.SiloSettings)
            .AddInMemoryCollection(tls ? TestCertificates.Cluster.Settings() : []));
        builder.AddSiloBuilderConfigurator<MedPayTestSilo>();
        builder.AddClientBuilderConfigurator<MedPayTestClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new MedPayCluster(cluster, serviceId, tableName);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>One cluster shared by the tests of a collection, as the Orleans repository's own tests do.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public MedPayCluster Medpay { get; private set; } = null!;

    public async Task InitializeAsync() => Medpay = await MedPayCluster.StartAsync();

    public async Task DisposeAsync() => await Medpay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// A cluster of its own whose clock no test moves, for tests that compare MedPay's day with the sandbox platform's. The
/// platform is a process of its own on real time; tests of the shared <see cref="ClusterCollection"/> move that
/// cluster's clock on by hours (lapsed leases, stale reservations), and late in a UTC day that puts MedPay's "today" on
/// tomorrow, where the platform's statement of the day does not hold what MedPay settled.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SteadyClockCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "steady-clock-cluster";
}
