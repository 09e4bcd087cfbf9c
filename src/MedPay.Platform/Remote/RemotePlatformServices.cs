using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace MedPay.Platform.Remote;

public static class RemotePlatformServices
{
    /// <summary>
    /// The networked insurance platform and cash channel: clients from <see cref="IHttpClientFactory"/> with the
    /// standard resilience pipeline (attempt and total time-outs, circuit breaker) and its retry switched off for
    /// POST, which every transaction is — a settlement or refund is never sent blindly again; the payment gateway
    /// asks by id first.
    /// </summary>
    public static IServiceCollection AddRemotePlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RemotePlatformOptions>().Bind(configuration.GetSection(RemotePlatformOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MipTransport>();
        services.TryAddSingleton<IInsurancePlatform, RemoteInsurancePlatform>();
        services.TryAddSingleton<ICashChannel, RemoteCashChannel>();
        services.AddHostedService<WarmUp>();
        Client(services, MipTransport.PlatformClient, o => o.BaseAddress);
        Client(services, MipTransport.CashClient, o => o.CashBaseAddress ?? o.BaseAddress);
        return services;
    }

    private sealed class WarmUp(MipTransport transport) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Run(transport.WarmUp, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void Client(IServiceCollection services, string name, Func<RemotePlatformOptions, Uri?> address)
    {
        services.AddHttpClient(name, (sp, client) =>
            {
                var options = sp.GetRequiredService<IOptions<RemotePlatformOptions>>().Value;
                client.BaseAddress = address(options);
                // The resilience pipeline times each attempt; HttpClient's own limit only backs it up.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                var options = sp.GetRequiredService<IOptions<RemotePlatformOptions>>().Value;
                resilience.Retry.DisableForUnsafeHttpMethods();
                resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = options.AttemptTimeout + options.AttemptTimeout;
                resilience.CircuitBreaker.FailureRatio = options.BreakerFailureRatio;
                resilience.CircuitBreaker.MinimumThroughput = options.BreakerMinimumCalls;
                resilience.CircuitBreaker.SamplingDuration = options.BreakerSampling;
                resilience.CircuitBreaker.BreakDuration = options.BreakerOpenFor;
            });
    }
}
