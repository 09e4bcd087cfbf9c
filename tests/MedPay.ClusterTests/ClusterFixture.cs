using MedPay.Grains;
using MedPay.Grains.Platform;
using MedPay.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace MedPay.ClusterTests;

/// <summary>Configures each test silo exactly as production does, with the shared sandbox and this cluster's clock.</summary>
public sealed class MedPayTestSilo : ISiloConfigurator
{
    public void Configure(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IClock>(TestWorld.ClockFor(silo.Configuration["MedPay:Test:ClockId"]!));
        silo.Services.AddSingleton(TestWorld.Script);
        silo.Services.AddSingleton<IInsurancePlatform>(TestWorld.Platform);
        silo.Services.AddSingleton<ICashChannel>(TestWorld.Cash);
        silo.AddMedPay(silo.Configuration);
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

    public IGrainFactory Grains => Cluster.GrainFactory;

    public TestClock Clock => TestWorld.ClockFor(ServiceId);

    /// <summary>Starts a cluster; give the service id and table of an earlier one to restart it on the same state.</summary>
    public static async Task<MedPayCluster> StartAsync(short silos = 1, string? serviceId = null, string? tableName = null)
    {
        serviceId ??= "medpay-test-" + Guid.NewGuid().ToString("N")[..12];
        tableName ??= "medpaytest" + Guid.NewGuid().ToString("N");
        var builder = new TestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
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
            }));
        builder.AddSiloBuilderConfigurator<MedPayTestSilo>();
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
