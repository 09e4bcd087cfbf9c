using Microsoft.Extensions.Options;
using static MedPay.Grains.OptionChecks;

namespace MedPay.Grains;

/// <summary>How the payment-gateway grain talks to the platform adapters: <c>MedPay:Gateway</c>.</summary>
public sealed class PaymentGatewayOptions
{
    public const string Section = "MedPay:Gateway";

    /// <summary>How long one call to the platform or the cash channel may take before its outcome counts as unknown.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times an unknown outcome is queried before the settlement is left unknown.</summary>
    public int QueryAttempts { get; set; } = 3;

    /// <summary>The first pause between queries; it doubles each time, with jitter.</summary>
    public TimeSpan QueryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long reading the platform's daily statements (for a reconciliation) may take: a bigger read than a payment's
    /// call and off the payment path, so it has its own, longer limit.
    /// </summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Durations and counts of the gateway's calls: positive, and within bounds that make sense.</summary>
public sealed class PaymentGatewayOptionsValidator : IValidateOptions<PaymentGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentGatewayOptions o) => Check(
        Positive(PaymentGatewayOptions.Section, "CallTimeout", o.CallTimeout, TimeSpan.FromMinutes(5)),
        Range(PaymentGatewayOptions.Section, "QueryAttempts", o.QueryAttempts, 0, 100),
        Positive(PaymentGatewayOptions.Section, "QueryBackoff", o.QueryBackoff, TimeSpan.FromMinutes(1)),
        Positive(PaymentGatewayOptions.Section, "StatementTimeout", o.StatementTimeout, TimeSpan.FromMinutes(10)));
}
