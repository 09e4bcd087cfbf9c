using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class PaymentTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    public static TheoryData<string, long, long, long> CategoryMixes => new()
    {
        { "A", 40_000, 0, 0 },
        { "B", 0, 40_000, 0 },
        { "C", 0, 0, 40_000 },
        { "AB", 20_000, 30_000, 0 },
        { "AC", 25_000, 0, 7_000 },
        { "BC", 0, 18_000, 9_000 },
        { "ABC", 20_000, 20_000, 5_000 },
    };

    [Theory]
    [MemberData(nameof(CategoryMixes))]
    public async Task Each_category_mix_settles_with_the_regional_split_and_debits_the_voucher(string mix, long a, long b, long c)
    {
        var items = new List<OrderItem>();
        if (a > 0) items.Add(Scenario.A(a));
        if (b > 0) items.Add(Scenario.B(b / 2, 2));
        if (c > 0) items.Add(Scenario.C(c));
        foreach (var region in new[] { "330100", "310100" })
        {
            var (userId, order, payment) = await _s.PayNewOrderAsync(12, region, null, null, [.. items]);
            Assert.True(payment.IsOk, $"{mix} {region}: {payment.Error}");
            var paid = payment.Value!;
            Assert.Equal(OrderStatus.Settled, paid.Status);

            var policy = new RegionalPolicyCatalog(new() { Regions = { [region] = Settings(region) } }).Find(region).Value!;
            var expected = SplitCalculator.Compute(new(a, b, c), policy, InsuranceType.Employee, new(DateTimeOffset.UtcNow.Year, 0, 0), 12_000);
            Assert.Equal(expected.Split, paid.Split);
            Assert.Equal(order.TotalFen, paid.Split!.FundFen + paid.Split.PersonalAccountFen + paid.Split.CashFen);

            var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
            Assert.Equal(12_000 - paid.Split.PersonalAccountFen, voucher.PersonalAccountBalanceFen);
            Assert.Equal(0, voucher.ReservedFen);
            Assert.Equal(paid.Split.FundFen, voucher.Accumulators.FundPaidFen);
            Assert.Equal(expected.DeductibleAppliedFen, voucher.Accumulators.DeductibleUsedFen);

            var atPlatform = (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Settlement, paid.SettlementId!))!;
            Assert.Equal((PlatformOutcome.Succeeded, paid.Split.FundFen, paid.Split.PersonalAccountFen), (atPlatform.Outcome, atPlatform.FundFen, atPlatform.PersonalAccountFen));
            Assert.Equal(paid.Split.CashFen > 0, await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.CashCharge, paid.SettlementId!) is { Outcome: PlatformOutcome.Succeeded });

            var view = (await _s.Order(order.OrderId).GetAsync()).Value!;
            Assert.Equal([OrderStatus.Created, OrderStatus.Paying, OrderStatus.Settled], view.History.Select(h => h.Status));
            Assert.Equal(atPlatform.Reference, view.PlatformSettlementRef);
        }
    }

    [Fact]
    public async Task A_worked_example_splits_to_the_fen()
    {
        // Hangzhou employee, 10,000 fen in the personal account, nothing used this year.
        // A 20,000 + B 2 × 10,000 + C 5,000 = 45,000. B's self-pay share 10% = 2,000; covered = 38,000.
        // Deductible 30,000 first; fund = 85% of 8,000 = 6,800; personal pays 10,000; cash the rest, 28,200.
        var (_, _, payment) = await _s.PayNewOrderAsync(10, "330100", null, null, Scenario.A(20_000), Scenario.B(10_000, 2), Scenario.C(5_000));
        Assert.Equal(new Split(6_800, 10_000, 28_200), payment.Value!.Split);
    }

    [Fact]
    public async Task A_platform_decline_fails_the_order_and_leaves_the_voucher_as_it_was()
    {
        var (userId, before) = await _s.OpenVoucherAsync(50);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(9_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        await TestWorld.Sandbox.PlatformAsync(order.OrderId, new(SandboxFault.Decline, Reason: "fund quota exhausted"));

        var payment = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;

        Assert.Equal(OrderStatus.Failed, payment.Status);
        Assert.Equal(ErrorCodes.PlatformDeclined, payment.Failure!.Code);
        Assert.Equal(before, (await _s.Voucher(userId).GetAsync()).Value);
        Assert.False(await TestWorld.SettledAtPlatformAsync(payment.SettlementId!));
        Assert.Equal([OrderStatus.Created, OrderStatus.Paying, OrderStatus.Failed], (await _s.Order(order.OrderId).GetAsync()).Value!.History.Select(h => h.Status));
    }

    [Fact]
    public async Task A_cash_decline_reverses_the_platform_settlement_and_fails_the_order()
    {
        var (userId, before) = await _s.OpenVoucherAsync(1);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.C(5_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        await TestWorld.Sandbox.CashAsync(order.OrderId, new(SandboxFault.Decline, Reason: "card declined"));

        var payment = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;

        Assert.Equal(OrderStatus.Failed, payment.Status);
        Assert.Equal(ErrorCodes.CashDeclined, payment.Failure!.Code);
        Assert.True((await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Settlement, payment.SettlementId!))!.Outcome == PlatformOutcome.Reversed);
        Assert.Equal(before, (await _s.Voucher(userId).GetAsync()).Value);
    }

    [Fact]
    public async Task Insufficient_balance_fails_the_order_and_consumes_nothing()
    {
        var (userId, before) = await _s.OpenVoucherAsync(1);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.C(5_000));
        var code = await _s.AuthorizeAsync(userId, merchant);

        var payment = (await _s.Order(order.OrderId).PayAsync(new(code, MaxCashFen: 0))).Value!;

        Assert.Equal(OrderStatus.Failed, payment.Status);
        Assert.Equal(ErrorCodes.InsufficientBalance, payment.Failure!.Code);
        Assert.Equal(before, (await _s.Voucher(userId).GetAsync()).Value);
        // The consent was not spent: it still pays another order.
        var other = await _s.CreateOrderAsync(userId, merchant, Scenario.A(100));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(other.OrderId).PayAsync(new(code, null))).Value!.Status);
    }

    [Fact]
    public async Task Refused_authorizations_leave_the_order_payable_with_a_new_one()
    {
        var (userId, before) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(5_000));
        var pay = _s.Order(order.OrderId);

        Assert.Equal(ErrorCodes.AuthUnknown, (await pay.PayAsync(new("AC-NOT-A-CODE", null))).Error!.Code);
        Assert.Equal(ErrorCodes.AuthWrongMerchant, (await pay.PayAsync(new(await _s.AuthorizeAsync(userId, "other-merchant"), null))).Error!.Code);
        Assert.Equal(ErrorCodes.AuthOverAmount, (await pay.PayAsync(new(await _s.AuthorizeAsync(userId, merchant, maxAmountFen: 4_999), null))).Error!.Code);
        Assert.Equal(ErrorCodes.AuthWrongOrder, (await pay.PayAsync(new(await _s.AuthorizeAsync(userId, merchant, merchantOrderNo: "another-order"), null))).Error!.Code);

        var expiring = await _s.AuthorizeAsync(userId, merchant, validForMinutes: 1);
        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(ErrorCodes.AuthExpired, (await pay.PayAsync(new(expiring, null))).Error!.Code);

        // A code from another user is unknown to this one: nothing tells the caller whose it is.
        var (otherUser, _) = await _s.OpenVoucherAsync(100);
        Assert.Equal(ErrorCodes.AuthUnknown, (await pay.PayAsync(new(await _s.AuthorizeAsync(otherUser, merchant), null))).Error!.Code);

        var view = (await pay.GetAsync()).Value!;
        Assert.Equal(OrderStatus.Created, view.Status);
        Assert.Single(view.History);
        Assert.Equal(before.PersonalAccountBalanceFen, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);

        var good = await _s.AuthorizeAsync(userId, merchant, merchantOrderNo: order.MerchantOrderNo);
        Assert.Equal(OrderStatus.Settled, (await pay.PayAsync(new(good, null))).Value!.Status);

        var second = await _s.CreateOrderAsync(userId, merchant, Scenario.A(10));
        Assert.Equal(ErrorCodes.AuthUsed, (await _s.Order(second.OrderId).PayAsync(new(good, null))).Error!.Code);
    }

    [Fact]
    public async Task A_suspended_voucher_cannot_pay_until_reactivated()
    {
        var (userId, _) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        await _s.Voucher(userId).SetStatusAsync(VoucherStatus.Suspended, "test");

        Assert.Equal(ErrorCodes.VoucherSuspended, (await _s.Order(order.OrderId).PayAsync(new(code, null))).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherSuspended, (await _s.Voucher(userId).AuthorizeAsync(new(merchant, 100, null, 5, Scenario.HolderOf(userId)))).Error!.Code);

        await _s.Voucher(userId).SetStatusAsync(VoucherStatus.Active, "test");
        Assert.Equal(OrderStatus.Settled, (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!.Status);
    }

    [Fact]
    public async Task A_revoked_voucher_never_pays_again_and_cannot_be_reactivated()
    {
        var (userId, _) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        await _s.Voucher(userId).SetStatusAsync(VoucherStatus.Revoked, "test");

        Assert.Equal(ErrorCodes.VoucherRevoked, (await _s.Order(order.OrderId).PayAsync(new(code, null))).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherRevoked, (await _s.Voucher(userId).SetStatusAsync(VoucherStatus.Active, "test")).Error!.Code);
        Assert.Equal(OrderStatus.Created, (await _s.Order(order.OrderId).GetAsync()).Value!.Status);
    }

    [Fact]
    public async Task A_paid_order_is_not_paid_again_and_a_failed_one_is_not_payable()
    {
        var (userId, _, payment) = await _s.PayNewOrderAsync(100, "330100", null, null, Scenario.A(1_000));
        var orderId = payment.Value!.OrderId;
        var merchant = orderId.Split('~')[0];
        var again = await _s.Order(orderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null));
        Assert.Equal(ErrorCodes.OrderAlreadyPaid, again.Error!.Code);
        Assert.Single(await TestWorld.Sandbox.RecordsAsync(orderId), r => r.Kind == PlatformRecordKind.Settlement);

        var (failedUser, _, failed) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.Decline)), null, Scenario.A(1_000));
        var failedId = failed.Value!.OrderId;
        var retry = await _s.Order(failedId).PayAsync(new(await _s.AuthorizeAsync(failedUser, failedId.Split('~')[0]), null));
        Assert.Equal(ErrorCodes.OrderNotPayable, retry.Error!.Code);
    }

    [Fact]
    public async Task A_lost_platform_reply_is_resolved_by_query_without_a_second_charge()
    {
        var (_, _, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.LoseReply, Times: 1)), null, Scenario.A(3_000));

        var paid = payment.Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, paid.SettlementId!));
    }

    [Fact]
    public async Task A_platform_that_never_answers_leaves_the_order_paying_and_a_retry_settles_it_once()
    {
        var (userId, order, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.Timeout, Times: 4)), null, Scenario.A(3_000));

        var pending = payment.Value!;
        Assert.Equal(OrderStatus.Paying, pending.Status);
        Assert.Equal(3_000 - pending.Split!.FundFen, (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen);

        var resumed = (await _s.Order(order.OrderId).PayAsync(new("ignored-while-paying", null))).Value!;
        Assert.Equal(OrderStatus.Settled, resumed.Status);
        Assert.True(await TestWorld.SettledAtPlatformAsync(pending.SettlementId!));
        Assert.Equal(0, (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen);
    }

    [Fact]
    public async Task Amounts_the_platform_reports_differently_send_the_order_to_manual_review()
    {
        var (userId, _, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.MisreportAmounts)), null, Scenario.A(50_000));

        var held = payment.Value!;
        Assert.Equal(OrderStatus.ManualReview, held.Status);
        Assert.Equal(ErrorCodes.AmountMismatch, held.Failure!.Code);
        // The reservation stays until a person decides; the balance is not touched.
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(100_000, voucher.PersonalAccountBalanceFen);
        Assert.Equal(held.Split!.PersonalAccountFen, voucher.ReservedFen);
    }

    private static RegionalPolicySettings Settings(string region) => region == "330100"
        ? new() { DeductibleFen = 30_000, EmployeeFundRatioBp = 8_500, ResidentFundRatioBp = 6_000, CategoryBSelfPayBp = 1_000, AnnualFundCapFen = 40_000_000, PersonalAccountPaysSelfPay = true }
        : new() { DeductibleFen = 150_000, EmployeeFundRatioBp = 8_000, ResidentFundRatioBp = 5_500, CategoryBSelfPayBp = 1_500, AnnualFundCapFen = 60_000_000, PersonalAccountPaysSelfPay = false };
}
