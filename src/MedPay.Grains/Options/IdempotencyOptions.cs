using Microsoft.Extensions.Options;
using static MedPay.Grains.OptionChecks;

namespace MedPay.Grains;

/// <summary>How long idempotency keys are kept and claimed: <c>MedPay:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "MedPay:Idempotency";

    /// <summary>A key answers repeats with its first response for this long; after it the key may be used afresh.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A claim is held in the key's activation only (a silo's death ends it at once); if the API that made it never comes
    /// back (its process died mid-request), it lapses after this, and a repeat runs the request again.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>How long keys are kept and claimed: positive, and within bounds that make sense.</summary>
public sealed class IdempotencyOptionsValidator : IValidateOptions<IdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, IdempotencyOptions o) => Check(
        Positive(IdempotencyOptions.Section, "Retention", o.Retention, TimeSpan.FromDays(30)),
        Positive(IdempotencyOptions.Section, "ClaimLease", o.ClaimLease, TimeSpan.FromHours(1)));
}
