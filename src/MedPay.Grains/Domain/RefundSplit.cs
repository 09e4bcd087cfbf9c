using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>
/// How a refund is shared back between the buckets that paid. Each refund is split pro rata to the original split,
/// rounded down for the fund and the personal account; the remainder goes back in cash, and whatever cash cannot take
/// (because its part was refunded already) goes to the personal account, then to the fund. So the parts add up to the
/// refund exactly, and no bucket ever gets back more than it paid, over any sequence of refunds.
/// </summary>
public static class RefundSplit
{
    /// <summary>The refund's split, or null when <paramref name="amountFen"/> is not 1 to what is left to refund.</summary>
    public static Split? Compute(Split paid, Split refundedSoFar, long amountFen)
    {
        var left = new Split(
            paid.FundFen - refundedSoFar.FundFen,
            paid.PersonalAccountFen - refundedSoFar.PersonalAccountFen,
            paid.CashFen - refundedSoFar.CashFen);
        if (amountFen < 1 || amountFen > left.TotalFen || left.FundFen < 0 || left.PersonalAccountFen < 0 || left.CashFen < 0)
        {
            return null;
        }

        var total = paid.TotalFen;
        var fund = Math.Min(left.FundFen, Share(amountFen, paid.FundFen, total));
        var personal = Math.Min(left.PersonalAccountFen, Share(amountFen, paid.PersonalAccountFen, total));
        var cash = amountFen - fund - personal;
        if (cash > left.CashFen)
        {
            var excess = cash - left.CashFen;
            cash = left.CashFen;
            var toPersonal = Math.Min(excess, left.PersonalAccountFen - personal);
            personal += toPersonal;
            fund += excess - toPersonal;
        }

        return new Split(fund, personal, cash);
    }

    public static Split Add(Split a, Split b) => new(a.FundFen + b.FundFen, a.PersonalAccountFen + b.PersonalAccountFen, a.CashFen + b.CashFen);

    private static long Share(long amount, long part, long total) => total == 0 ? 0 : (long)((Int128)amount * part / total);
}
