using System.Globalization;
using System.Threading.RateLimiting;
using MedPay.Contracts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// How much each caller may ask (<c>MedPay:RateLimits</c>). Every limit is a fixed window per partition; a request over
/// it is answered 429 <c>rate_limited</c> with <c>Retry-After</c>, and nothing else happens. Health endpoints are never limited.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "MedPay:RateLimits";

    /// <summary>Off only for measurements that must not be throttled; on everywhere else.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The window of <see cref="PerPrincipal"/> and <see cref="AnonymousPerAddress"/>.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests per <see cref="Window"/> of one authenticated principal: a merchant (its id) or a person (the token's <c>sub</c>).</summary>
    public int PerPrincipal { get; set; } = 500;

    /// <summary>Requests per <see cref="Window"/> without any credential, per client address (the development token issuer is not counted).</summary>
    public int AnonymousPerAddress { get; set; } = 100;

    /// <summary>
    /// Requests answered 401 per <see cref="FailedAuthWindow"/> and client address; once spent, every request from the
    /// address is refused until the window ends, whatever credential it carries.
    /// </summary>
    public int FailedAuthPerAddress { get; set; } = 30;

    public TimeSpan FailedAuthWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Voucher openings and consents (<c>POST /v1/vouchers</c>, <c>POST /v1/vouchers/{userId}/authorizations</c>) per principal and <see cref="SensitiveWindow"/>.</summary>
    public int SensitivePerPrincipal { get; set; } = 20;

    public TimeSpan SensitiveWindow { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o)
    {
        var failures = new List<string>();
        foreach (var (field, window) in new[] { ("Window", o.Window), ("FailedAuthWindow", o.FailedAuthWindow), ("SensitiveWindow", o.SensitiveWindow) })
        {
            if (window < TimeSpan.FromMilliseconds(100) || window > TimeSpan.FromHours(1))
            {
                failures.Add($"{RateLimitOptions.Section}:{field} is {window}: it must be 100 ms to one hour.");
            }
        }

        foreach (var (field, limit) in new[] { ("PerPrincipal", o.PerPrincipal), ("AnonymousPerAddress", o.AnonymousPerAddress), ("FailedAuthPerAddress", o.FailedAuthPerAddress), ("SensitivePerPrincipal", o.SensitivePerPrincipal) })
        {
            if (limit < 1)
            {
                failures.Add($"{RateLimitOptions.Section}:{field} is {limit}: it must be at least 1.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

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
