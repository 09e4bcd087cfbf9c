using System.Net;
using System.Net.Sockets;
using MedPay.Silo;
using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace MedPay.ClusterTests;

/// <summary>The silo as its program runs it, with its own HTTP endpoint for probes and the metrics scrape.</summary>
public sealed class SiloHostTests
{
    [Fact]
    public async Task A_silo_with_an_http_port_answers_live_ready_once_active_and_a_metrics_scrape_and_nothing_else()
    {
        var httpPort = FreePort();
        var serviceId = "silohost" + Guid.NewGuid().ToString("N")[..8];
        using var host = SiloHost.Build(
        [
            "--environment=Development",
            $"--{SiloHttp.PortKey}={httpPort}",
            $"--MedPay:Storage:ConnectionString={TestWorld.StorageConnectionString}",
            $"--MedPay:Storage:TableName={serviceId}state",
            $"--MedPay:Storage:RemindersTableName={serviceId}reminders",
            $"--MedPay:Clustering:ServiceId={serviceId}",
            $"--MedPay:Clustering:ClusterId={serviceId}",
            $"--MedPay:Clustering:SiloPort={FreePort()}",
            $"--MedPay:Clustering:GatewayPort={FreePort()}",
            "--MedPay:Dashboard:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(10) };

        await host.StartAsync();
        try
        {
            var live = await http.GetAsync(SiloHttp.LivePath);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);

            var ready = await http.GetAsync(SiloHttp.ReadyPath);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (ready.StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                ready = await http.GetAsync(SiloHttp.ReadyPath);
            }

            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());

            var metrics = await http.GetAsync(SiloHttp.MetricsPath);
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE orleans_", text);

            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/orders/x")).StatusCode);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Without_an_http_port_the_silo_opens_no_http_endpoint()
    {
        using var host = SiloHost.Build(["--environment=Development", "--MedPay:Storage:Provider=Memory", $"--MedPay:Clustering:SiloPort={FreePort()}", $"--MedPay:Clustering:GatewayPort={FreePort()}"]);
        Assert.IsNotType<Microsoft.AspNetCore.Builder.WebApplication>(host);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Kubernetes_hosting_is_used_where_the_setting_asks_for_it(bool kubernetes)
    {
        using var host = SiloHost.Build(
        [
            "--environment=Development", "--MedPay:Clustering:Provider=AzureTable", "--MedPay:Clustering:AdvertisedIP=127.0.0.1",
            $"--MedPay:Clustering:Kubernetes={kubernetes}", $"--MedPay:Storage:ConnectionString={TestWorld.StorageConnectionString}",
        ]);

        Assert.Equal(kubernetes, host.Services.GetServices<IConfigureOptions<Orleans.Hosting.Kubernetes.KubernetesHostingOptions>>().Any());
    }

    [Theory]
    [InlineData(SiloStatus.Joining)]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Dead)]
    public async Task A_silo_that_is_not_active_in_the_cluster_is_not_ready(SiloStatus status)
    {
        var self = SiloAddress.New(IPAddress.Loopback, 11111, 1);
        var snapshot = new ClusterMembershipSnapshot(
            ImmutableDictionary<SiloAddress, ClusterMember>.Empty.Add(self, new ClusterMember(self, status, "silo")), new MembershipVersion(1));
        var readiness = new SiloReadiness(new Local(self), new Membership(snapshot), null!);

        var result = await readiness.CheckHealthAsync(new());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains(status.ToString(), result.Description);
    }

    private sealed class Local(SiloAddress self) : ILocalSiloDetails
    {
        public string Name => "silo";
        public string ClusterId => "c";
        public string DnsHostName => "localhost";
        public SiloAddress SiloAddress => self;
        public SiloAddress GatewayAddress => self;
    }

    private sealed class Membership(ClusterMembershipSnapshot snapshot) : IClusterMembershipService
    {
        public ClusterMembershipSnapshot CurrentSnapshot => snapshot;
        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();
        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
        public Task<bool> TryKill(SiloAddress siloAddress) => Task.FromResult(false);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
