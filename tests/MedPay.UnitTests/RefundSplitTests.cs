using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class RefundSplitTests
{
    private static readonly Split None = new(0, 0, 0);

    [Fact]
    public void A_full_refund_gives_each_bucket_back_exactly_what_it_paid()
    {
        var paid = new Split(6_800, 10_000, 28_200);
        Assert.Equal(paid, RefundSplit.Compute(paid, None, paid.TotalFen));
    }

    [Fact]
    public void A_partial_refund_is_pro_rata_rounded_down_with_the_remainder_in_cash()
    {
        // 10,000 of 45,000: fund 6,800 × 2/9 = 1,511.1 → 1,511; personal 10,000 × 2/9 = 2,222.2 → 2,222; cash the rest, 6,267.
        Assert.Equal(new Split(1_511, 2_222, 6_267), RefundSplit.Compute(new Split(6_800, 10_000, 28_200), None, 10_000));
    }

    [Fact]
    public void What_cash_cannot_take_goes_to_the_personal_account_then_the_fund()
    {
        var paid = new Split(1, 1, 1);
        var first = RefundSplit.Compute(paid, None, 1)!;      // shares round to 0: cash takes it
        Assert.Equal(new Split(0, 0, 1), first);
        var second = RefundSplit.Compute(paid, first, 1)!;    // cash is spent: the personal account takes it
        Assert.Equal(new Split(0, 1, 0), second);
        Assert.Equal(new Split(1, 0, 0), RefundSplit.Compute(paid, RefundSplit.Add(first, second), 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(101)]
    public void A_refund_of_nothing_or_more_than_is_left_is_refused(long amount)
    {
        Assert.Null(RefundSplit.Compute(new Split(50, 30, 20), None, amount));
        Assert.Null(RefundSplit.Compute(new Split(50, 30, 20), new Split(10, 0, 0), amount == 101 ? 91 : amount));
    }

    [Fact]
    public void Any_sequence_of_refunds_adds_up_and_never_gives_a_bucket_more_than_it_paid()
    {
        var random = new Random(1126);
        for (var run = 0; run < 5_000; run++)
        {
            var paid = new Split(random.NextInt64(0, 1_000_000), random.NextInt64(0, 1_000_000), random.NextInt64(0, 1_000_000));
            if (paid.TotalFen == 0)
            {
                continue;
            }

            var refunded = None;
            while (refunded.TotalFen < paid.TotalFen)
            {
                var left = paid.TotalFen - refunded.TotalFen;
                var amount = random.Next(4) == 0 ? left : random.NextInt64(1, left + 1);
                var split = RefundSplit.Compute(paid, refunded, amount);
                Assert.NotNull(split);
                Assert.Equal(amount, split.TotalFen);
                Assert.True(split.FundFen >= 0 && split.PersonalAccountFen >= 0 && split.CashFen >= 0, $"{split} for {amount} of {paid}");
                refunded = RefundSplit.Add(refunded, split);
                Assert.True(refunded.FundFen <= paid.FundFen && refunded.PersonalAccountFen <= paid.PersonalAccountFen && refunded.CashFen <= paid.CashFen, $"{refunded} of {paid}");
            }

            Assert.Equal(paid, refunded);
        }
    }
}
