using System.Diagnostics;
using MedPay.Api;
using MedPay.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Hosting;
using Orleans.Runtime.Messaging;
using Xunit.Abstractions;

namespace MedPay.ClusterTests;

/// <summary>One silo whose silo and gateway ports speak mutual TLS only, with <see cref="TestCertificates.Cluster"/>.</summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public MedPayCluster Medpay { get; private set; } = null!;

    public async Task InitializeAsync() => Medpay = await MedPayCluster.StartAsync(tls: true);

    public async Task DisposeAsync() => await Medpay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class TlsClusterCollection : ICollectionFixture<TlsClusterFixture>
{
    public const string Name = "tls-cluster";
}

/// <summary>
/// Clients built apart from the test cluster, each reaching its gateway over TCP with its own TLS settings, as an
/// outsider on the network would: only the one with the cluster certificate gets to call a grain; the others are
/// refused within a bounded time, and never reach a grain.
/// </summary>
[Collection(TlsClusterCollection.Name)]
public sealed class ClusterTlsTests(TlsClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>A refused client must have failed by then; it fails in a few seconds (the handshake is refused at once).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_client_with_the_cluster_certificate_calls_grains()
    {
        string? userId = null;
        var error = await CallClusterAsync(
            client => client.UseMedPayClusterTls(Settings(TestCertificates.Cluster.Settings())),
            async grains =>
            {
                await grains.GetGrain<IHealthGrain>(0).CheckAsync();
                (userId, _) = await new Scenario(grains).OpenVoucherAsync(5);
            });

        Assert.Null(error);
        // The voucher it opened is there for the cluster's own client too.
        Assert.Equal(5_000, (await new Scenario(fixture.Medpay.Grains).Voucher(userId!).GetAsync()).Value!.PersonalAccountBalanceFen);
    }

    [Fact]
    public async Task A_client_without_TLS_cannot_call_a_grain()
    {
        var error = await CallClusterAsync(_ => { }, OpenVoucherAsync);

        AssertRefused(error);
    }

    [Fact]
    public async Task A_client_over_TLS_that_presents_no_certificate_cannot_call_a_grain()
    {
        // It trusts the silo's certificate, so its own side of the handshake succeeds; the silo must refuse it.
        var error = await CallClusterAsync(
            client => client.UseTls(tls =>
            {
                tls.ClientCertificateMode = RemoteCertificateMode.NoCertificate;
                tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                tls.RemoteCertificateValidation = (certificate, _, _) => ClusterTlsTrust.Thumbprint(certificate) == TestCertificates.Cluster.Thumbprint;
            }),
            OpenVoucherAsync);

        AssertRefused(error);
    }

    [Fact]
    public async Task A_client_with_another_self_signed_certificate_cannot_call_a_grain()
    {
        // Same subject name as the cluster certificate, another key. The client trusts the silo's certificate, so only
        // the silo's check of the client's certificate can stop it.
        var stranger = TestCertificates.SelfSigned("medpay-test-cluster");
        var error = await CallClusterAsync(
            client => client.UseMedPayClusterTls(Settings(stranger.Settings(TestCertificates.Cluster.Thumbprint))),
            OpenVoucherAsync);

        AssertRefused(error);
    }

    private static async Task OpenVoucherAsync(IGrainFactory grains) => await new Scenario(grains).OpenVoucherAsync(5);

    private static IConfiguration Settings(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private void AssertRefused(Exception? error)
    {
        Assert.NotNull(error);
        output.WriteLine($"refused: {error.GetType().Name}: {error.Message}");
        // Refused at the connection (the gateway dropped it), not by a grain or an assertion of the scenario.
        Assert.True(
            error is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException or TimeoutException,
            $"expected the connection to be refused, got {error}");
    }

    /// <summary>
    /// Starts a client of the fixture's cluster with <paramref name="configureTls"/>, runs <paramref name="calls"/> and
    /// returns what failed (null when all went through). Fails the test if that took longer than <see cref="Bound"/>.
    /// </summary>
    private async Task<Exception?> CallClusterAsync(Action<IClientBuilder> configureTls, Func<IGrainFactory, Task> calls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(fixture.Medpay.Gateways.ToArray());
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = fixture.Medpay.Cluster.Options.ClusterId;
                o.ServiceId = fixture.Medpay.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            // One attempt to connect: Orleans' default retries a refused connection for about three minutes.
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            configureTls(client);
        });
        using var host = builder.Build();
        using var stop = new CancellationTokenSource(Bound);
        var elapsed = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            await host.StartAsync(stop.Token);
            await calls(host.Services.GetRequiredService<IClusterClient>()).WaitAsync(stop.Token);
        }
        catch (Exception e)
        {
            error = e;
        }

        Assert.False(stop.IsCancellationRequested, $"the client neither succeeded nor failed within {Bound.TotalSeconds} s: {error}");
        Assert.True(elapsed.Elapsed < Bound);
        try
        {
            await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception) when (error is not null)
        {
            // A client that never connected may not stop cleanly; it is what failed that matters here.
        }

        return error;
    }
}
