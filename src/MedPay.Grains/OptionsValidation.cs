using MedPay.Grains.Domain;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// Which insurance platform and cash channel the silo talks to: <c>MedPay:Platform</c>. Only the sandbox exists today
/// (an in-process platform that settles whatever it is asked to); it is refused in Production, so a production silo
/// does not start until a real platform adapter is written and selected here.
/// </summary>
public sealed class PlatformOptions
{
    public const string Section = "MedPay:Platform";

    public const string Sandbox = "Sandbox";

    /// <summary><c>Sandbox</c>, the only mode there is; allowed outside the <c>Production</c> environment only.</summary>
    public string Mode { get; set; } = Sandbox;
}

public sealed class PlatformOptionsValidator(IHostEnvironment environment) : IValidateOptions<PlatformOptions>
{
    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        if (!string.Equals(options.Mode, PlatformOptions.Sandbox, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Fail($"{PlatformOptions.Section}:Mode '{options.Mode}' is unknown: the only platform adapter is '{PlatformOptions.Sandbox}'.");
        }

        return environment.IsProduction()
            ? ValidateOptionsResult.Fail(
                $"{PlatformOptions.Section}:Mode is '{PlatformOptions.Sandbox}' in the Production environment: the sandbox platform accepts every payment. " +
                "MedPay has no real insurance platform adapter yet, so a Production silo does not start.")
            : ValidateOptionsResult.Success;
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
        Positive(PaymentGatewayOptions.Section, "QueryBackoff", o.QueryBackoff, TimeSpan.FromMinutes(1)));

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
