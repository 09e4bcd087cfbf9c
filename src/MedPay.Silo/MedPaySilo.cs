using System.Net;
using Azure.Data.Tables;
using MedPay.Contracts;
using MedPay.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Serialization;
using Orleans.Storage;

namespace MedPay.Silo;

/// <summary>How a MedPay silo is put together from configuration; the host, the test clusters and the API tests all use this.</summary>
public static class MedPaySilo
{
    /// <summary>The Azure Storage connection the local default points at: the Azurite that the run command starts.</summary>
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    /// <summary>Settings every silo starts from; environment variables and the command line override them.</summary>
    public const string SettingsFile = "silosettings.json";

    public static IConfigurationBuilder AddMedPaySiloSettings(this IConfigurationBuilder configuration) =>
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, SettingsFile), optional: false);

    /// <summary>
    /// Grain services, grain storage and reminders (<c>MedPay:Storage</c>): Azure table storage, or memory where
    /// explicitly asked; and mutual TLS between silos and clients when <c>MedPay:Cluster:Tls:Enabled</c>
    /// (<see cref="ClusterTls"/>). <paramref name="storageName"/> lets a test wrap the real storage in a fault-injecting one.
    /// </summary>
    public static ISiloBuilder AddMedPay(this ISiloBuilder silo, IConfiguration configuration, string storageName = MedPayGrainServices.StorageName)
    {
        silo.UseMedPayClusterTls(configuration);
        silo.Services.AddMedPayGrainServices(configuration);
        // Traces continue across grain calls from the API's request; exported (with Orleans' and MedPay's metrics) only
        // where an OTLP collector is configured, so that a silo without one pays nothing for them.
        silo.AddActivityPropagation();
        // The silo's Prometheus scrape (SiloHttp) reads the same meters.
        var otlp = configuration["MedPay:Telemetry:Otlp:Endpoint"];
        var scrape = SiloHttp.Port(configuration) > 0;
        if (otlp is { Length: > 0 } || scrape)
        {
            var telemetry = silo.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("medpay-silo"))
                .WithMetrics(m =>
                {
                    m.AddMeter("Microsoft.Orleans", MedPayMetrics.MeterName).AddHttpClientInstrumentation();
                    if (scrape)
                    {
                        m.AddPrometheusExporter();
                    }
                });
            if (otlp is { Length: > 0 })
            {
                telemetry.WithTracing(t => t.AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application").AddHttpClientInstrumentation())
                    .UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf, new Uri(otlp));
            }
        }
        if (configuration.GetValue("MedPay:Dashboard:Enabled", true))
        {
            // The Orleans dashboard's silo side (its statistics and a profiler of grain calls); the API serves its pages to
            // operators. Its live log stream stays off: logs are for the log pipeline, not for a browser.
            silo.AddDashboard(o => o.HideTrace = true);
        }

        silo.Services.AddOptions<ClusterTlsOptions>().Bind(configuration.GetSection(ClusterTlsOptions.Section));
        silo.Services.AddSingleton<IValidateOptions<SiloStorageOptions>, SiloProductionValidator>();
        silo.Services.AddOptions<SiloStorageOptions>().Bind(configuration.GetSection(SiloStorageOptions.Section)).ValidateOnStart();
        var storage = configuration.GetSection("MedPay:Storage");
        switch (storage["Provider"] ?? "AzureTable")
        {
            case "AzureTable":
                silo.UseAzureTableReminderService(o =>
                {
                    o.TableServiceClient = new TableServiceClient(ConnectionString(configuration));
                    o.TableName = storage["RemindersTableName"] ?? "MedPayReminders";
                });
                silo.AddAzureTableGrainStorage(storageName, options => options.Configure<Serializer>((o, serializer) =>
                {
                    o.TableServiceClient = new TableServiceClient(ConnectionString(configuration));
                    o.TableName = storage["TableName"] ?? "MedPayGrainState";
                    // Orleans' own version-tolerant format, driven by the [Id]s of the state records.
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
                break;
            case "Memory":
                silo.UseInMemoryReminderService();
                silo.AddMemoryGrainStorage(storageName, options => options.Configure<Serializer>((o, serializer) =>
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                break;
            default:
                throw new InvalidOperationException("MedPay:Storage:Provider must be AzureTable or Memory.");
        }

        return silo;
    }

    /// <summary>Membership (<c>MedPay:Clustering</c>): localhost for one development silo, Azure Table for a real cluster.</summary>
    public static ISiloBuilder UseMedPayClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var clustering = configuration.GetSection("MedPay:Clustering");
        var siloPort = clustering.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = clustering.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        var serviceId = clustering["ServiceId"] ?? "medpay";
        var clusterId = clustering["ClusterId"] ?? "medpay-local";
        switch (clustering["Provider"] ?? "Localhost")
        {
            case "Localhost":
                return silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: clusterId);
            case "AzureTable":
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = serviceId;
                    o.ClusterId = clusterId;
                });
                silo.ConfigureEndpoints(
                    clustering["AdvertisedIP"] is { Length: > 0 } advertised ? IPAddress.Parse(advertised) : HostAddress(),
                    siloPort,
                    gatewayPort,
                    listenOnAnyHostAddress: clustering.GetValue("ListenOnAnyHostAddress", false));
                silo.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = new TableServiceClient(ConnectionString(configuration));
                    o.TableName = clustering["TableName"] ?? "MedPayMembership";
                });
                if (clustering.GetValue("Kubernetes", false))
                {
                    // In a Kubernetes pod (src/deploy/k8s): the service and cluster ids from the pod's orleans/* labels,
                    // the pod IP advertised, and the pods of silos the cluster declared dead deleted (the Deployment
                    // replaces them). Membership stays in the table.
                    silo.UseKubernetesHosting();
                }

                return silo;
            default:
                throw new InvalidOperationException("MedPay:Clustering:Provider must be Localhost or AzureTable.");
        }
    }

    /// <summary>The address other silos and clients reach this one at: the host's first IPv4 address (a container's own), else loopback.</summary>
    private static IPAddress HostAddress() =>
        Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;

    public static string ConnectionString(IConfiguration configuration) =>
        configuration["MedPay:Storage:ConnectionString"] is { Length: > 0 } configured ? configured : DevelopmentStorage;
}
