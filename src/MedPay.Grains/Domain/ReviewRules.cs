using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>
/// What a person may decide for an order in manual review, given what the platform and the cash channel say now: settle
/// only what stands there in full with the amounts the voucher reserved; fail only what nothing stands for. Anything
/// else (no answer, half settled, other amounts) allows no decision, and says why.
/// </summary>
public static class ReviewRules
{
    public static class Statuses
    {
        public const string Settled = "settled";
        public const string NotFound = "not_found";
        public const string Reversed = "reversed";
        public const string Declined = "declined";
        public const string Unknown = "unknown";
        public const string NotNeeded = "not_needed";
    }

    /// <summary>The decision the answer allows (null: none), the code refusing any other, and an explanation for the operator.</summary>
    public sealed record Verdict(ReviewDecision? Allowed, string RefusalCode, string Explanation);

    public static Verdict Judge(PlatformAnswer answer, Split reserved)
    {
        if (answer.PlatformStatus == Statuses.Unknown || answer.CashStatus == Statuses.Unknown)
        {
            return new(null, ErrorCodes.PlatformUnavailable, "The platform or the cash channel did not answer now; ask again in a moment.");
        }

        var insuredNeeded = reserved.FundFen + reserved.PersonalAccountFen > 0;
        var insured = answer.PlatformStatus == Statuses.Settled;
        var cash = answer.CashStatus == Statuses.Settled;
        if (!insured && !cash)
        {
            return new(ReviewDecision.Fail, ErrorCodes.ResolutionContradictsPlatform,
                $"Nothing stands for settlement {answer.SettlementId}: the platform says {Words(answer.PlatformStatus)}, the cash channel {Words(answer.CashStatus)}. The order can only fail; its reservation is given back to the voucher.");
        }

        if ((insured || !insuredNeeded) && (cash || reserved.CashFen == 0))
        {
            if (insured && (answer.FundFen != reserved.FundFen || answer.PersonalAccountFen != reserved.PersonalAccountFen))
            {
                return new(null, ErrorCodes.ResolutionAmountsDiffer,
                    $"The platform holds settlement {answer.SettlementId} with fund {answer.FundFen} and personal account {answer.PersonalAccountFen} fen; the voucher reserved {reserved.FundFen} and {reserved.PersonalAccountFen}. Settle the difference with the platform first.");
            }

            return new(ReviewDecision.Settle, ErrorCodes.ResolutionContradictsPlatform,
                $"The platform holds settlement {answer.SettlementId} ({answer.PlatformRef ?? "no insured part"}) with the reserved amounts{(reserved.CashFen > 0 ? $", and the cash channel the cash part ({answer.CashRef})" : "")}. The order can only be settled.");
        }

        return new(null, ErrorCodes.ResolutionContradictsPlatform,
            $"Half of settlement {answer.SettlementId} stands: the platform says {Words(answer.PlatformStatus)}, the cash channel {Words(answer.CashStatus)}. Settle it with the platform and the cash channel first.");
    }

    /// <summary>Null when <paramref name="decision"/> is the one allowed, else the refusal.</summary>
    public static Failure? Check(ReviewDecision decision, Verdict verdict) =>
        verdict.Allowed == decision ? null : new Failure(verdict.RefusalCode, verdict.Explanation);

    private static string Words(string status) => status.Replace('_', ' ');
}
