using Microsoft.Extensions.Options;
using static MedPay.Grains.OptionChecks;

namespace MedPay.Grains;

/// <summary>How unfinished work is found and driven forward after a crash: <c>MedPay:Recovery</c>.</summary>
public sealed class RecoveryOptions
{
    public const string Section = "MedPay:Recovery";

    /// <summary>How often a paying order's reminder drives its settlement forward.</summary>
    public TimeSpan ResumeEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A reservation older than this makes the voucher ask its order to reconcile (a crash may have orphaned it).</summary>
    public TimeSpan StaleReservationAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>An order whose settlement outcome is still unknown after this goes to manual review, with the reason.</summary>
    public TimeSpan ManualReviewAfter { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>The recovery periods: positive, and within bounds that make sense.</summary>
public sealed class RecoveryOptionsValidator : IValidateOptions<RecoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, RecoveryOptions o) => Check(
        Positive(RecoveryOptions.Section, "ResumeEvery", o.ResumeEvery, TimeSpan.FromDays(1)),
        Positive(RecoveryOptions.Section, "StaleReservationAfter", o.StaleReservationAfter, TimeSpan.FromDays(1)),
        Positive(RecoveryOptions.Section, "ManualReviewAfter", o.ManualReviewAfter, TimeSpan.FromDays(30)));
}
