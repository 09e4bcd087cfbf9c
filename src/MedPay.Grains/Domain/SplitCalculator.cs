using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>An order's amounts by insurance category.</summary>
public sealed record CategoryTotals(long CategoryAFen, long CategoryBFen, long CategoryCFen)
{
    public long TotalFen => CategoryAFen + CategoryBFen + CategoryCFen;

    public static CategoryTotals Of(ImmutableArray<OrderItem> items)
    {
        long a = 0, b = 0, c = 0;
        foreach (var item in items)
        {
            var line = checked(item.UnitPriceFen * item.Quantity);
            switch (item.Category)
            {
                case ItemCategory.A: a = checked(a + line); break;
                case ItemCategory.B: b = checked(b + line); break;
                default: c = checked(c + line); break;
            }
        }

        _ = checked(a + b + c);
        return new(a, b, c);
    }
}

/// <summary>The split and how much of the year's deductible it used up.</summary>
public sealed record SplitComputation(Split Split, long DeductibleAppliedFen);

/// <summary>
/// Splits a bill between the pooled fund, the personal account and cash. Pure; integer fen throughout.
/// <list type="number">
/// <item>Covered = A + (B − B's self-pay share, the share rounded up). C and B's share are self-pay.</item>
/// <item>The rest of the year's deductible is taken from the covered amount first.</item>
/// <item>Fund = (covered − deductible applied) × fund ratio, rounded down, capped by what is left of the annual fund cap.</item>
/// <item>Personal account pays what is left of the covered amount and, where the policy allows, the self-pay part too, up to its available balance.</item>
/// <item>Cash pays the rest, so fund + personal + cash = total exactly.</item>
/// </list>
/// </summary>
public static class SplitCalculator
{
    public static SplitComputation Compute(
        CategoryTotals totals,
        RegionalPolicy policy,
        InsuranceType insuranceType,
        YearAccumulators accumulators,
        long availablePersonalFen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totals.CategoryAFen);
        ArgumentOutOfRangeException.ThrowIfNegative(totals.CategoryBFen);
        ArgumentOutOfRangeException.ThrowIfNegative(totals.CategoryCFen);

        var total = totals.TotalFen;
        var bSelfPay = CeilBasisPoints(totals.CategoryBFen, policy.CategoryBSelfPayBp);
        var covered = totals.CategoryAFen + totals.CategoryBFen - bSelfPay;

        var deductibleLeft = Math.Max(0, policy.DeductibleFen - accumulators.DeductibleUsedFen);
        var deductibleApplied = Math.Min(covered, deductibleLeft);

        var capLeft = Math.Max(0, policy.AnnualFundCapFen - accumulators.FundPaidFen);
        var fund = Math.Min(FloorBasisPoints(covered - deductibleApplied, policy.FundRatioBp(insuranceType)), capLeft);

        var personalPayable = policy.PersonalAccountPaysSelfPay ? total - fund : covered - fund;
        var personal = Math.Min(personalPayable, Math.Max(0, availablePersonalFen));
        var cash = total - fund - personal;

        return new(new Split(fund, personal, cash), deductibleApplied);
    }

    private static long FloorBasisPoints(long amount, int bp) => (long)((Int128)amount * bp / 10_000);

    private static long CeilBasisPoints(long amount, int bp) => (long)(((Int128)amount * bp + 9_999) / 10_000);
}
