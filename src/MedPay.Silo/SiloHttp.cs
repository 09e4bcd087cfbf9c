using MedPay.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace MedPay.Silo;

/// <summary>
/// A silo's own small HTTP endpoint (<c>MedPay:Silo:HttpPort</c>, off when 0) for the platform that runs it: liveness,
/// readiness (this silo is Active in the cluster and the grain storage answers) and a Prometheus scrape of Orleans' and
/// MedPay's meters. It serves nothing else: no grain is reachable through it, and it carries no personal data.
/// </summary>
public static class SiloHttp
{
    public const string PortKey = "MedPay:Silo:HttpPort";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MetricsPath = "/metrics";

    /// <summary>The port of the images (silo.Dockerfile, src/deploy) and the Kubernetes probes.</summary>
    public const int ContainerPort = 8080;

    public static int Port(IConfiguration configuration) => configuration.GetValue(PortKey, 0);

    /// <summary>
    /// Kestrel on the port: on every address where the silo listens on every address
    /// (<c>MedPay:Clustering:ListenOnAnyHostAddress</c>, as in a container), else on loopback only.
    /// </summary>
    public static WebApplicationBuilder AddSiloHttp(this WebApplicationBuilder builder, int port)
    {
        var anyAddress = builder.Configuration.GetValue("MedPay:Clustering:ListenOnAnyHostAddress", false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (anyAddress)
            {
                kestrel.ListenAnyIP(port);
            }
            else
            {
                kestrel.ListenLocalhost(port);
            }
        });
        builder.Services.AddHealthChecks().AddCheck<SiloReadiness>("silo", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapSiloHttp(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new() { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}

/// <summary>Ready: this silo is Active in the cluster's membership, and the grain storage answers a read.</summary>
public sealed class SiloReadiness(ILocalSiloDetails local, IClusterMembershipService membership, IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"The silo is {status} in the cluster, not Active.");
        }

        try
        {
            await grains.GetGrain<IHealthGrain>(0).CheckAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The grain storage did not answer.", e);
        }
    }
}
