using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class SplitCalculatorTests
{
    private static readonly RegionalPolicy Hangzhou = new("Hangzhou", 30_000, 8_500, 6_000, 1_000, 40_000_000, PersonalAccountPaysSelfPay: true);
    private static readonly RegionalPolicy Shanghai = new("Shanghai", 150_000, 8_000, 5_500, 1_500, 60_000_000, PersonalAccountPaysSelfPay: false);

    private static readonly YearAccumulators NewYear = new(2025, 0, 0);
    private const long Rich = 100_000_000;

    private static SplitComputation Compute(
        long a, long b, long c, RegionalPolicy policy, long balance,
        YearAccumulators? accumulators = null, InsuranceType type = InsuranceType.Employee)
    {
        var totals = new CategoryTotals(a, b, c);
        var result = SplitCalculator.Compute(totals, policy, type, accumulators ?? NewYear, balance);
        AssertSumsToTotal(totals, result.Split);
        return result;
    }

    private static void AssertSumsToTotal(CategoryTotals totals, Split split)
    {
        Assert.True(split.FundFen >= 0, $"fund {split.FundFen} < 0");
        Assert.True(split.PersonalAccountFen >= 0, $"personal {split.PersonalAccountFen} < 0");
        Assert.True(split.CashFen >= 0, $"cash {split.CashFen} < 0");
        Assert.Equal(totals.TotalFen, split.FundFen + split.PersonalAccountFen + split.CashFen);
        Assert.Equal(totals.TotalFen, split.TotalFen);
    }

    // ---- worked examples: category A ----

    [Fact]
    public void Category_A_pays_the_deductible_first_then_the_fund_ratio_and_the_personal_account_covers_the_rest()
    {
        // covered 100000; deductible 30000; fund = 70000 × 85% = 59500; personal pays the remaining 40500.
        var result = Compute(100_000, 0, 0, Hangzhou, Rich);

        Assert.Equal(new Split(59_500, 40_500, 0), result.Split);
        Assert.Equal(30_000, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Category_A_with_an_empty_personal_account_leaves_the_rest_to_cash()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0);

        Assert.Equal(new Split(59_500, 0, 40_500), result.Split);
    }

    [Fact]
    public void Category_A_with_a_small_personal_account_uses_all_of_it_and_cash_pays_the_rest()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 10_000);

        Assert.Equal(new Split(59_500, 10_000, 30_500), result.Split);
    }

    [Fact]
    public void A_negative_available_balance_is_treated_as_an_empty_personal_account()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: -5_000);

        Assert.Equal(new Split(59_500, 0, 40_500), result.Split);
    }

    // ---- category B ----

    [Fact]
    public void Category_B_self_pay_share_is_taken_out_before_the_deductible_and_the_fund()
    {
        // B self-pay 10% = 10000; covered 90000; deductible 30000; fund = 60000 × 85% = 51000; rest 49000 is cash.
        var result = Compute(0, 100_000, 0, Hangzhou, balance: 0);

        Assert.Equal(new Split(51_000, 0, 49_000), result.Split);
        Assert.Equal(30_000, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Category_B_self_pay_share_is_rounded_up_and_the_fund_is_rounded_down()
    {
        // B self-pay = ceil(1234.5) = 1235; covered 11110; fund = floor(11110 × 0.85 = 9443.5) = 9443.
        var result = Compute(0, 12_345, 0, Hangzhou, balance: 0, accumulators: new(2025, 30_000, 0));

        Assert.Equal(new Split(9_443, 0, 2_902), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    [Fact]
    public void A_one_fen_category_B_item_is_all_self_pay()
    {
        var result = Compute(0, 1, 0, Hangzhou, balance: 0, accumulators: new(2025, 30_000, 0));

        Assert.Equal(new Split(0, 0, 1), result.Split);
    }

    [Fact]
    public void Category_B_in_Shanghai_keeps_its_self_pay_share_out_of_the_personal_account()
    {
        // B self-pay 15% = 15000; covered 85000; deductible met; fund = 85000 × 80% = 68000;
        // personal pays covered − fund = 17000 only; the 15000 share is cash.
        var result = Compute(0, 100_000, 0, Shanghai, Rich, accumulators: new(2025, 150_000, 0));

        Assert.Equal(new Split(68_000, 17_000, 15_000), result.Split);
    }

    // ---- category C ----

    [Fact]
    public void Category_C_gets_nothing_from_the_fund_and_uses_no_deductible()
    {
        var result = Compute(0, 0, 50_000, Hangzhou, balance: 0);

        Assert.Equal(new Split(0, 0, 50_000), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Category_C_is_paid_from_the_personal_account_where_the_policy_allows_self_pay()
    {
        var result = Compute(0, 0, 50_000, Hangzhou, Rich);

        Assert.Equal(new Split(0, 50_000, 0), result.Split);
    }

    [Fact]
    public void Category_C_is_paid_in_cash_where_the_policy_does_not_allow_self_pay_from_the_personal_account()
    {
        var result = Compute(0, 0, 50_000, Shanghai, Rich);

        Assert.Equal(new Split(0, 0, 50_000), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    // ---- mixed ----

    [Fact]
    public void Mixed_order_in_Shanghai_pays_self_pay_parts_in_cash()
    {
        // B self-pay = 15000; covered = 200000 + 85000 = 285000; deductible 150000; fund = 135000 × 80% = 108000;
        // personal = 285000 − 108000 = 177000; cash = C 30000 + B share 15000 = 45000.
        var result = Compute(200_000, 100_000, 30_000, Shanghai, Rich);

        Assert.Equal(new Split(108_000, 177_000, 45_000), result.Split);
        Assert.Equal(150_000, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Mixed_order_in_Hangzhou_lets_the_personal_account_pay_everything_the_fund_does_not()
    {
        // B self-pay = 10000; covered 290000; deductible 30000; fund = 260000 × 85% = 221000; personal 109000.
        var result = Compute(200_000, 100_000, 30_000, Hangzhou, Rich);

        Assert.Equal(new Split(221_000, 109_000, 0), result.Split);
        Assert.Equal(30_000, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Mixed_order_with_a_small_personal_account_in_Shanghai()
    {
        var result = Compute(200_000, 100_000, 30_000, Shanghai, balance: 7_000);

        Assert.Equal(new Split(108_000, 7_000, 215_000), result.Split);
    }

    [Fact]
    public void An_empty_order_splits_into_zeros()
    {
        var result = Compute(0, 0, 0, Hangzhou, Rich);

        Assert.Equal(new Split(0, 0, 0), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    // ---- deductible ----

    [Fact]
    public void A_partly_used_deductible_applies_only_what_is_left_of_it()
    {
        // 10000 of the deductible left; fund = 90000 × 85% = 76500.
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0, accumulators: new(2025, 20_000, 0));

        Assert.Equal(new Split(76_500, 0, 23_500), result.Split);
        Assert.Equal(10_000, result.DeductibleAppliedFen);
    }

    [Fact]
    public void A_fully_used_deductible_applies_nothing()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0, accumulators: new(2025, 30_000, 0));

        Assert.Equal(new Split(85_000, 0, 15_000), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Deductible_used_beyond_the_policy_amount_applies_nothing()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0, accumulators: new(2025, 99_999, 0));

        Assert.Equal(new Split(85_000, 0, 15_000), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    [Fact]
    public void A_covered_amount_below_the_deductible_is_all_deductible_and_the_fund_pays_nothing()
    {
        // Shanghai deductible 150000 > covered 100000 + 42500 (B 50000 − 15% share 7500).
        var result = Compute(100_000, 50_000, 0, Shanghai, Rich);

        Assert.Equal(142_500, result.DeductibleAppliedFen);
        Assert.Equal(new Split(0, 142_500, 7_500), result.Split);
    }

    [Fact]
    public void The_deductible_is_never_applied_to_self_pay_amounts()
    {
        var result = Compute(10_000, 0, 1_000_000, Hangzhou, balance: 0);

        Assert.Equal(10_000, result.DeductibleAppliedFen);
        Assert.Equal(0, result.Split.FundFen);
    }

    // ---- annual cap ----

    [Fact]
    public void Fund_never_exceeds_what_is_left_of_the_annual_cap()
    {
        // 10000 of the cap left, the ratio would give 85000.
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0, accumulators: new(2025, 30_000, 39_990_000));

        Assert.Equal(new Split(10_000, 0, 90_000), result.Split);
    }

    [Fact]
    public void A_reached_annual_cap_leaves_the_fund_paying_nothing()
    {
        var result = Compute(100_000, 0, 0, Hangzhou, Rich, accumulators: new(2025, 30_000, 40_000_000));

        Assert.Equal(new Split(0, 100_000, 0), result.Split);
    }

    [Fact]
    public void A_cap_exceeded_by_earlier_payments_leaves_the_fund_paying_nothing()
    {
        var result = Compute(100_000, 0, 0, Shanghai, balance: 0, accumulators: new(2025, 150_000, 70_000_000));

        Assert.Equal(new Split(0, 0, 100_000), result.Split);
    }

    [Fact]
    public void A_large_bill_in_one_go_is_capped_at_the_annual_cap()
    {
        // 1,000,000 yuan of A: fund would be (100000000 − 30000) × 85% = 84974500, cap is 40000000.
        var result = Compute(100_000_000, 0, 0, Hangzhou, balance: 0);

        Assert.Equal(new Split(40_000_000, 0, 60_000_000), result.Split);
        Assert.Equal(30_000, result.DeductibleAppliedFen);
    }

    // ---- employee vs resident ----

    [Theory]
    [InlineData(InsuranceType.Employee, 85_000)]
    [InlineData(InsuranceType.Resident, 60_000)]
    public void Hangzhou_fund_ratio_depends_on_the_insurance_type(InsuranceType type, long expectedFund)
    {
        var result = Compute(100_000, 0, 0, Hangzhou, balance: 0, accumulators: new(2025, 30_000, 0), type: type);

        Assert.Equal(new Split(expectedFund, 0, 100_000 - expectedFund), result.Split);
    }

    [Theory]
    [InlineData(InsuranceType.Employee, 108_000)]
    [InlineData(InsuranceType.Resident, 74_250)] // 135000 × 55%
    public void Shanghai_fund_ratio_depends_on_the_insurance_type(InsuranceType type, long expectedFund)
    {
        var result = Compute(200_000, 100_000, 30_000, Shanghai, balance: 0, type: type);

        Assert.Equal(expectedFund, result.Split.FundFen);
        Assert.Equal(330_000 - expectedFund, result.Split.CashFen);
    }

    [Fact]
    public void A_resident_with_no_personal_account_pays_the_non_fund_part_in_cash()
    {
        // covered 90000 (B share 10000); deductible 30000; fund = 60000 × 60% = 36000.
        var result = Compute(0, 100_000, 0, Hangzhou, balance: 0, type: InsuranceType.Resident);

        Assert.Equal(new Split(36_000, 0, 64_000), result.Split);
    }

    // ---- policy edge cases ----

    [Fact]
    public void A_zero_ratio_policy_pays_no_fund()
    {
        var policy = Hangzhou with { EmployeeFundRatioBp = 0, DeductibleFen = 0 };
        var result = Compute(100_000, 100_000, 0, policy, balance: 0);

        Assert.Equal(new Split(0, 0, 200_000), result.Split);
    }

    [Fact]
    public void A_full_ratio_policy_with_no_deductible_pays_all_of_A_from_the_fund()
    {
        var policy = Hangzhou with { EmployeeFundRatioBp = 10_000, DeductibleFen = 0, CategoryBSelfPayBp = 0 };
        var result = Compute(100_000, 50_000, 7, policy, balance: 0);

        Assert.Equal(new Split(150_000, 0, 7), result.Split);
    }

    [Fact]
    public void A_full_B_self_pay_share_makes_B_entirely_self_pay()
    {
        var policy = Shanghai with { CategoryBSelfPayBp = 10_000, DeductibleFen = 0 };
        var result = Compute(0, 99_999, 0, policy, Rich);

        Assert.Equal(new Split(0, 0, 99_999), result.Split);
        Assert.Equal(0, result.DeductibleAppliedFen);
    }

    [Fact]
    public void Negative_category_totals_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitCalculator.Compute(new(-1, 0, 0), Hangzhou, InsuranceType.Employee, NewYear, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitCalculator.Compute(new(0, -1, 0), Hangzhou, InsuranceType.Employee, NewYear, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitCalculator.Compute(new(0, 0, -1), Hangzhou, InsuranceType.Employee, NewYear, 0));
    }

    [Fact]
    public void The_sample_policies_are_usable()
    {
        Assert.Null(Hangzhou.Problem());
        Assert.Null(Shanghai.Problem());
        Assert.Equal(8_500, Hangzhou.FundRatioBp(InsuranceType.Employee));
        Assert.Equal(6_000, Hangzhou.FundRatioBp(InsuranceType.Resident));
    }

    // ---- property-style ----

    [Fact]
    public void Split_invariants_hold_for_twenty_thousand_random_bills_policies_and_accounts()
    {
        var random = new Random(20_250_601);
        for (var i = 0; i < 20_000; i++)
        {
            var totals = new CategoryTotals(Amount(random), Amount(random), Amount(random));
            var policy = new RegionalPolicy(
                "random",
                DeductibleFen: Pick(random, 0, random.NextInt64(0, 1_000_000), random.NextInt64(0, 10_000_000_000)),
                EmployeeFundRatioBp: Ratio(random),
                ResidentFundRatioBp: Ratio(random),
                CategoryBSelfPayBp: Ratio(random),
                AnnualFundCapFen: Pick(random, 0, random.NextInt64(0, 100_000_000), random.NextInt64(0, 10_000_000_000)),
                PersonalAccountPaysSelfPay: random.Next(2) == 0);
            var accumulators = new YearAccumulators(
                2025,
                Pick(random, 0, policy.DeductibleFen, random.NextInt64(0, 2 * policy.DeductibleFen + 2)),
                Pick(random, 0, policy.AnnualFundCapFen, random.NextInt64(0, 2 * policy.AnnualFundCapFen + 2)));
            var balance = Pick(random, 0, random.NextInt64(-1_000, 1_000), random.NextInt64(0, 10_000_000_000));
            var type = random.Next(2) == 0 ? InsuranceType.Employee : InsuranceType.Resident;
            Assert.Null(policy.Problem());

            var result = SplitCalculator.Compute(totals, policy, type, accumulators, balance);
            var split = result.Split;

            var context = $"case {i}: {totals}, {policy}, {type}, {accumulators}, balance {balance} -> {result}";
            var bSelfPay = (long)Math.Ceiling(totals.CategoryBFen * (decimal)policy.CategoryBSelfPayBp / 10_000m);
            var covered = totals.CategoryAFen + totals.CategoryBFen - bSelfPay;
            var capLeft = Math.Max(0, policy.AnnualFundCapFen - accumulators.FundPaidFen);
            var deductibleLeft = Math.Max(0, policy.DeductibleFen - accumulators.DeductibleUsedFen);

            Assert.True(split.FundFen >= 0 && split.PersonalAccountFen >= 0 && split.CashFen >= 0, context);
            Assert.True(split.FundFen + split.PersonalAccountFen + split.CashFen == totals.TotalFen, context);
            Assert.True(split.FundFen <= covered, context);
            Assert.True(split.FundFen <= capLeft, context);
            Assert.True(split.FundFen <= (covered - result.DeductibleAppliedFen) * (decimal)policy.FundRatioBp(type) / 10_000m, context);
            Assert.True(split.PersonalAccountFen <= Math.Max(0, balance), context);
            Assert.True(result.DeductibleAppliedFen >= 0 && result.DeductibleAppliedFen <= deductibleLeft && result.DeductibleAppliedFen <= covered, context);
            if (!policy.PersonalAccountPaysSelfPay)
            {
                Assert.True(split.FundFen + split.PersonalAccountFen <= covered, context);
            }

            // Cash is only needed once the personal account is empty or may not pay.
            if (split.CashFen > 0 && policy.PersonalAccountPaysSelfPay)
            {
                Assert.True(split.PersonalAccountFen == Math.Max(0, balance), context);
            }
        }
    }

    private static long Amount(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => random.NextInt64(1, 100),
        2 => random.NextInt64(0, 100_000),
        3 => random.NextInt64(0, 10_000_000),
        4 => random.NextInt64(0, 10_000_000_001),
        _ => 10_000_000_000,
    };

    private static int Ratio(Random random) => random.Next(5) switch
    {
        0 => 0,
        1 => 10_000,
        _ => random.Next(0, 10_001),
    };

    private static long Pick(Random random, long a, long b, long c) => random.Next(3) switch
    {
        0 => a,
        1 => b,
        _ => c,
    };

    // ---- CategoryTotals ----

    private static OrderItem Item(ItemCategory category, long price, int quantity = 1) => new("C" + price, "item", category, price, quantity);

    [Fact]
    public void Category_totals_add_up_each_category_separately()
    {
        var totals = CategoryTotals.Of([
            Item(ItemCategory.A, 1_250, 2),
            Item(ItemCategory.B, 3_300),
            Item(ItemCategory.A, 1),
            Item(ItemCategory.C, 999, 3),
        ]);

        Assert.Equal(new CategoryTotals(2_501, 3_300, 2_997), totals);
        Assert.Equal(8_798, totals.TotalFen);
    }

    [Fact]
    public void Category_totals_of_no_items_are_zero()
    {
        Assert.Equal(new CategoryTotals(0, 0, 0), CategoryTotals.Of(ImmutableArray<OrderItem>.Empty));
    }

    [Fact]
    public void Category_totals_throw_on_a_line_that_overflows()
    {
        Assert.Throws<OverflowException>(() => CategoryTotals.Of([Item(ItemCategory.A, long.MaxValue, 2)]));
    }

    [Fact]
    public void Category_totals_throw_when_one_category_overflows()
    {
        Assert.Throws<OverflowException>(() => CategoryTotals.Of([Item(ItemCategory.B, long.MaxValue / 2 + 1), Item(ItemCategory.B, long.MaxValue / 2 + 1)]));
    }

    [Fact]
    public void Category_totals_throw_when_the_sum_of_the_categories_overflows()
    {
        Assert.Throws<OverflowException>(() => CategoryTotals.Of([Item(ItemCategory.A, long.MaxValue), Item(ItemCategory.C, 1)]));
        Assert.Throws<OverflowException>(() => CategoryTotals.Of([Item(ItemCategory.A, long.MaxValue / 2), Item(ItemCategory.B, long.MaxValue / 2), Item(ItemCategory.C, 2)]));
    }

    [Fact]
    public void Category_totals_up_to_long_max_do_not_throw()
    {
        var totals = CategoryTotals.Of([Item(ItemCategory.A, long.MaxValue - 1), Item(ItemCategory.C, 1)]);

        Assert.Equal(long.MaxValue, totals.TotalFen);
    }
}
