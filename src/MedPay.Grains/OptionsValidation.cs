using MedPay.Grains.Domain;
using MedPay.Platform.Protocol;
using MedPay.Platform.Remote;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// Which insurance platform and cash channel the silo talks to: <c>MedPay:Platform:Mode</c>. <c>Remote</c> (the default)
/// reaches them over the network with signed envelopes (<see cref="RemotePlatformOptions"/>, the same section): the
/// national platform in production, the sandbox process (<c>src/MedPay.Sandbox</c>) on a developer machine and in the
/// tests. <c>InProcess</c> runs the sandbox engine in memory inside each silo, for benchmarks of MedPay alone; it is
/// refused in Production, and a cluster of several silo processes must not use it (each silo would have its own platform).
/// </summary>
public sealed class PlatformOptions
{
    public const string Section = "MedPay:Platform";

    public const string Remote = "Remote";

    public const string InProcess = "InProcess";

    public string Mode { get; set; } = Remote;
}

public sealed class PlatformOptionsValidator(IHostEnvironment environment, IOptions<RemotePlatformOptions> remote) : IValidateOptions<PlatformOptions>
{
    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        var section = PlatformOptions.Section;
        switch (options.Mode)
        {
            case PlatformOptions.InProcess:
                return environment.IsProduction()
                    ? ValidateOptionsResult.Fail($"{section}:Mode is '{PlatformOptions.InProcess}' in the Production environment: the in-process sandbox accepts every payment.")
                    : ValidateOptionsResult.Success;
            case PlatformOptions.Remote:
                break;
            default:
                return ValidateOptionsResult.Fail($"{section}:Mode '{options.Mode}' is unknown: it is '{PlatformOptions.Remote}' or '{PlatformOptions.InProcess}'.");
        }

        var r = remote.Value;
        var failures = new List<string>();
        foreach (var (key, address) in new[] { ("BaseAddress", r.BaseAddress), ("CashBaseAddress", r.CashBaseAddress) })
        {
            if (address is null)
            {
                if (key == "BaseAddress")
                {
                    failures.Add($"{section}:BaseAddress is required: the insurance platform's address.");
                }
            }
            else if (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
            {
                failures.Add($"{section}:{key} must be an absolute http(s) address.");
            }
            else if (address.Scheme == "http" && !environment.IsDevelopment() && !address.IsLoopback)
            {
                failures.Add($"{section}:{key} must be https outside Development: payments and personal data cross this connection.");
            }
        }

        if (string.IsNullOrWhiteSpace(r.InstitutionCode) || r.InstitutionCode.Length > 30 || !r.InstitutionCode.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{section}:InstitutionCode is required: MedPay's institution code at the platform, letters and digits.");
        }

        if (!Sm2Key.TryParse(r.SigningKey, isPrivate: true, out var error))
        {
            failures.Add($"{section}:SigningKey: {error}");
        }
        else if (!environment.IsDevelopment() && string.Equals(r.SigningKey, RemotePlatformOptions.DevelopmentKeys.MedPaySigningKey, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:SigningKey is the development key, public in the repository: refused outside Development. Set MedPay__Platform__SigningKey from a secret store.");
        }

        if (!Sm2Key.TryParse(r.PlatformPublicKey, isPrivate: false, out error))
        {
            failures.Add($"{section}:PlatformPublicKey: {error}");
        }

        if (!string.IsNullOrEmpty(r.CashPublicKey) && !Sm2Key.TryParse(r.CashPublicKey, isPrivate: false, out error))
        {
            failures.Add($"{section}:CashPublicKey: {error}");
        }

        if (r.AttemptTimeout <= TimeSpan.Zero || r.BreakerSampling < r.AttemptTimeout * 2 || r.BreakerOpenFor <= TimeSpan.Zero
            || r.BreakerFailureRatio is <= 0 or > 1 || r.BreakerMinimumCalls < 2)
        {
            failures.Add($"{section}: AttemptTimeout must be positive, BreakerSampling at least twice AttemptTimeout, BreakerOpenFor positive, BreakerFailureRatio in (0, 1], BreakerMinimumCalls at least 2.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Every configured regional policy, checked before the silo starts rather than on the first payment.</summary>
public sealed class RegionalPolicyOptionsValidator : IValidateOptions<RegionalPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, RegionalPolicyOptions options)
    {
        var failures = new List<string>();
        if (options.Regions.Count == 0)
        {
            failures.Add($"{RegionalPolicyOptions.Section}:Regions names no region: no voucher could be opened.");
        }

        foreach (var (region, settings) in options.Regions)
        {
            var where = $"{RegionalPolicyOptions.Section}:Regions:{region}";
            if (!RegionalPolicyCatalog.IsRegionCode(region))
            {
                failures.Add($"{where}: the key must be a 6-digit region code.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(settings.Name))
            {
                failures.Add($"{where}:Name is required.");
            }

            foreach (var (field, bp) in new[] { ("EmployeeFundRatioBp", settings.EmployeeFundRatioBp), ("ResidentFundRatioBp", settings.ResidentFundRatioBp), ("CategoryBSelfPayBp", settings.CategoryBSelfPayBp) })
            {
                if (bp is < 0 or > 10_000)
                {
                    failures.Add($"{where}:{field} is {bp}: ratios are 0 to 10000 basis points.");
                }
            }

            foreach (var (field, fen) in new[] { ("DeductibleFen", settings.DeductibleFen), ("AnnualFundCapFen", settings.AnnualFundCapFen) })
            {
                if (fen < 0)
                {
                    failures.Add($"{where}:{field} is {fen}: amounts must not be negative.");
                }
            }

            if (failures.Count == 0 && settings.ToPolicy().Problem() is { } problem)
            {
                failures.Add($"{where}: {problem}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Durations and counts of the grain options: positive, and within bounds that make sense.</summary>
public sealed class GrainOptionsValidator :
    IValidateOptions<PaymentGatewayOptions>,
    IValidateOptions<RecoveryOptions>,
    IValidateOptions<IdempotencyOptions>,
    IValidateOptions<OrderOptions>,
    IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentGatewayOptions o) => Check(
        Positive(PaymentGatewayOptions.Section, "CallTimeout", o.CallTimeout, TimeSpan.FromMinutes(5)),
        Range(PaymentGatewayOptions.Section, "QueryAttempts", o.QueryAttempts, 0, 100),
        Positive(PaymentGatewayOptions.Section, "QueryBackoff", o.QueryBackoff, TimeSpan.FromMinutes(1)),
        Positive(PaymentGatewayOptions.Section, "StatementTimeout", o.StatementTimeout, TimeSpan.FromMinutes(10)));

    public ValidateOptionsResult Validate(string? name, RecoveryOptions o) => Check(
        Positive(RecoveryOptions.Section, "ResumeEvery", o.ResumeEvery, TimeSpan.FromDays(1)),
        Positive(RecoveryOptions.Section, "StaleReservationAfter", o.StaleReservationAfter, TimeSpan.FromDays(1)),
        Positive(RecoveryOptions.Section, "ManualReviewAfter", o.ManualReviewAfter, TimeSpan.FromDays(30)));

    public ValidateOptionsResult Validate(string? name, IdempotencyOptions o) => Check(
        Positive(IdempotencyOptions.Section, "Retention", o.Retention, TimeSpan.FromDays(30)),
        Positive(IdempotencyOptions.Section, "ClaimLease", o.ClaimLease, TimeSpan.FromHours(1)));

    public ValidateOptionsResult Validate(string? name, OrderOptions o) => Check(
        Positive(OrderOptions.Section, "UnpaidExpiry", o.UnpaidExpiry, TimeSpan.FromDays(7)),
        Range(OrderOptions.Section, "IndexSegmentSize", o.IndexSegmentSize, 1, 10_000));

    public ValidateOptionsResult Validate(string? name, NotificationOptions o) => Check(
        Range(NotificationOptions.Section, "MaxAttempts", o.MaxAttempts, 1, 1_000),
        Positive(NotificationOptions.Section, "FirstRetry", o.FirstRetry, TimeSpan.FromDays(1)),
        Positive(NotificationOptions.Section, "MaxRetry", o.MaxRetry, TimeSpan.FromDays(7)),
        Positive(NotificationOptions.Section, "CallTimeout", o.CallTimeout, TimeSpan.FromMinutes(5)),
        Positive(NotificationOptions.Section, "FirstAttemptTimeout", o.FirstAttemptTimeout, TimeSpan.FromMinutes(5)),
        o.MaxRetry < o.FirstRetry ? $"{NotificationOptions.Section}:MaxRetry must not be shorter than FirstRetry." : null);

    private static string? Positive(string section, string field, TimeSpan value, TimeSpan max) =>
        value > TimeSpan.Zero && value <= max ? null : $"{section}:{field} is {value}: it must be more than zero and at most {max}.";

    private static string? Range(string section, string field, int value, int min, int max) =>
        value >= min && value <= max ? null : $"{section}:{field} is {value}: it must be {min} to {max}.";

    private static ValidateOptionsResult Check(params string?[] failures) =>
        failures.Where(f => f is not null).Cast<string>().ToList() is { Count: > 0 } found ? ValidateOptionsResult.Fail(found) : ValidateOptionsResult.Success;
}
