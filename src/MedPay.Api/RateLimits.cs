using System.Globalization;
using System.Threading.RateLimiting;
using MedPay.Contracts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// The limits, in two places of the pipeline. Before authentication (<see cref="UseMedPayClientLimits"/>), per client
/// address: requests without a credential, and an address whose requests keep ending 401 (wrong or forged credentials)
/// is shut out for the rest of the window. After authentication (<see cref="UseMedPayPrincipalLimits"/>, ASP.NET Core's
/// rate limiter): per principal, with a stricter limit on opening vouchers and granting consents.
/// </summary>
public static class RateLimits
{
    private const string HealthPath = "/health";

    public static IServiceCollection AddMedPayRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<ClientLimiters>();
        // The middleware's services (metrics); the limiters themselves are given to UseRateLimiter below.
        services.AddRateLimiter(_ => { });
        return services;
    }

    /// <summary>Before authentication: anonymous requests and failed authentication, per client address.</summary>
    public static WebApplication UseMedPayClientLimits(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RateLimitOptions>>();
        var limiters = app.Services.GetRequiredService<ClientLimiters>();
        var development = app.Environment.IsDevelopment();
        app.Use(async (context, next) =>
        {
            if (!options.Value.Enabled || IsExempt(context.Request.Path, development))
            {
                await next(context);
                return;
            }

            var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            // Zero permits: only whether the address has failures left.
            using (var failures = limiters.FailedAuth.AttemptAcquire(address, 0))
            {
                if (!failures.IsAcquired)
                {
                    await RejectAsync(context, failures);
                    return;
                }
            }

            if (context.Request.Headers.Authorization.Count == 0)
            {
                using var lease = limiters.Anonymous.AttemptAcquire(address);
                if (!lease.IsAcquired)
                {
                    await RejectAsync(context, lease);
                    return;
                }
            }

            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                limiters.FailedAuth.AttemptAcquire(address).Dispose();
            }
        });
        return app;
    }

    /// <summary>After authentication and authorization: per principal, and stricter for voucher opening and consent.</summary>
    public static WebApplication UseMedPayPrincipalLimits(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var development = app.Environment.IsDevelopment();
        var perPrincipal = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            Principal(context) is { } principal && !IsExempt(context.Request.Path, development)
                ? RateLimitPartition.GetFixedWindowLimiter(principal, _ => Window(options.PerPrincipal, options.Window))
                : RateLimitPartition.GetNoLimiter(""));
        var sensitive = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            Principal(context) is { } principal && IsSensitive(context)
                ? RateLimitPartition.GetFixedWindowLimiter(principal, _ => Window(options.SensitivePerPrincipal, options.SensitiveWindow))
                : RateLimitPartition.GetNoLimiter(""));
        app.UseRateLimiter(new RateLimiterOptions
        {
            GlobalLimiter = PartitionedRateLimiter.CreateChained(perPrincipal, sensitive),
            RejectionStatusCode = StatusCodes.Status429TooManyRequests,
            OnRejected = (rejected, _) => new ValueTask(RejectAsync(rejected.HttpContext, rejected.Lease)),
        });
        return app;
    }

    /// <summary>The partition of an authenticated caller: the merchant, or the person; null for nobody.</summary>
    private static string? Principal(HttpContext context) =>
        context.User.MerchantId() is { } merchantId ? "merchant:" + merchantId
        : context.User.UserId() is { } subject ? "subject:" + subject
        : null;

    private static bool IsSensitive(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.TrimEnd('/') is "/v1/vouchers" or "/v1/vouchers/{userId}/authorizations";

    /// <summary>Health probes, and in Development the embedded token issuer (tests and the benchmark mint thousands of tokens).</summary>
    private static bool IsExempt(PathString path, bool development) =>
        path.StartsWithSegments(HealthPath) || (development && path.StartsWithSegments("/connect"));

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static Task RejectAsync(HttpContext context, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Problems.WriteAsync(context, ErrorCodes.RateLimited, $"Too many requests; retry after {retryAfter} s.");
    }

    /// <summary>The per-address limiters, shared by every request of this API instance.</summary>
    public sealed class ClientLimiters(IOptions<RateLimitOptions> options) : IDisposable
    {
        public PartitionedRateLimiter<string> Anonymous { get; } = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => Window(options.Value.AnonymousPerAddress, options.Value.Window)));

        public PartitionedRateLimiter<string> FailedAuth { get; } = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => Window(options.Value.FailedAuthPerAddress, options.Value.FailedAuthWindow)));

        public void Dispose()
        {
            Anonymous.Dispose();
            FailedAuth.Dispose();
        }
    }
}
