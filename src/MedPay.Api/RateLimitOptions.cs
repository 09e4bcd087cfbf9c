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
