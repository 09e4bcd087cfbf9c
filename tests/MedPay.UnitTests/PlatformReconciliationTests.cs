using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;
using Kinds = MedPay.Grains.Domain.PlatformReconciliation.Kinds;

namespace MedPay.UnitTests;

/// <summary>The statement's check against the platform's own statement (3201 totals, 3202 detail): every kind of difference, and the day rule.</summary>
public sealed class PlatformReconciliationTests
{
    private const string Merchant = "pharmacy-7";
    private static readonly DateOnly Day = new(2026, 11, 26);
    private static readonly DateTimeOffset Morning = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private static readonly Split Paid = new(17_850, 37_650, 2_000);

    private static OrderView Order(string no, OrderStatus status, Split? split = null, DateTimeOffset? createdAt = null, string merchant = Merchant, params RefundView[] refunds)
    {
        var id = OrderIds.For(merchant, no);
        var at = createdAt ?? Morning;
        return new OrderView(
            id, merchant, no, "u-1001", status,
            [new OrderItem("A-AMOX-250", "Amoxicillin 250 mg", ItemCategory.A, 57_500, 1)],
            57_500, split, status is OrderStatus.Created or OrderStatus.Cancelled ? null : $"{id}~1", null, null,
            [new OrderHistoryEntry(at, OrderStatus.Created, "created")], at, at,
            [.. refunds], ImmutableArray<NotificationView>.Empty);
    }

    private static RefundView Refund(string orderId, string refundId, RefundStatus status, Split split, DateTimeOffset? requestedAt = null) =>
        new(refundId, split.TotalFen, "returned", status, split, $"{orderId}~r~{refundId}", null, null, requestedAt ?? Morning, requestedAt ?? Morning);

    private static SettlementRecord Record(OrderView order, SettlementStatus status = SettlementStatus.Succeeded) =>
        new($"{order.OrderId}~1", status,
            new SettlementRequest($"{order.OrderId}~1", order.OrderId, order.MerchantId, order.UserId, "V-1", "330100", order.Split ?? Paid),
            "PS-1", null, null, 1, Morning);

    private static ReconciliationInput Input(OrderView order) => new(
        order,
        order.Split is null ? null : Record(order),
        [.. order.Refunds.Select(r => (r, (RefundRecord?)new RefundRecord(r.RefundSettlementId, SettlementStatus.Succeeded,
            new RefundRequest(r.RefundSettlementId, $"{order.OrderId}~1", order.OrderId, r.RefundId, r.Split), "PR-1", null, null, Morning)))]);

    /// <summary>The platform's line of an order's settlement, as the platform recorded it at <paramref name="at"/>.</summary>
    private static PlatformStatementLine Settled(OrderView order, DateTimeOffset? at = null, bool reversed = false, long? fund = null, long? personal = null) =>
        new($"{order.OrderId}~1", false, order.OrderId, order.MerchantId, null, reversed,
            fund ?? order.Split?.FundFen ?? Paid.FundFen, personal ?? order.Split?.PersonalAccountFen ?? Paid.PersonalAccountFen, at ?? Morning.AddSeconds(1));

    private static PlatformStatementLine Refunded(string orderId, RefundView refund, DateTimeOffset? at = null, long? fund = null) =>
        new(refund.RefundSettlementId, true, orderId, null, $"{orderId}~1", false,
            fund ?? refund.Split.FundFen, refund.Split.PersonalAccountFen, at ?? refund.RequestedAt.AddSeconds(1));

    /// <summary>The platform's statements of the days around <paramref name="day"/>, each line on the day it was recorded.</summary>
    private static PlatformStatements Statements(DateOnly day, params PlatformStatementLine[] lines)
    {
        PlatformStatement Of(DateOnly d) => new(d, [.. lines.Where(l => DateOnly.FromDateTime(l.At.UtcDateTime) == d)]);
        return new(Of(day.AddDays(-1)), Of(day), Of(day.AddDays(1)));
    }

    private static Reconciliation Build(DateOnly day, ReconciliationInput[] listed, PlatformStatements statements, params ReconciliationInput[] lookedUp) =>
        ReconciliationBuilder.Build(Merchant, day, listed, null,
            PlatformComparison.Of(statements, lookedUp.ToDictionary(i => i.Order.OrderId, StringComparer.Ordinal)));

    private static Reconciliation Build(ReconciliationInput[] listed, params PlatformStatementLine[] lines) => Build(Day, listed, Statements(Day, lines));

    private static ReconciliationMismatch Single(Reconciliation r, string what)
    {
        var m = Assert.Single(r.Mismatches);
        Assert.Equal(what, m.What);
        return m;
    }

    [Fact]
    public void A_settled_order_on_the_platform_statement_agrees_and_the_totals_match()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid);
        var r = Build([Input(order)], Settled(order));

        Assert.Empty(r.Mismatches);
        var check = r.Platform!;
        Assert.True(check.Checked);
        Assert.Equal(new StatementTotals(1, 17_850, 37_650), check.MedPaySettled);
        Assert.Equal(check.MedPaySettled, check.PlatformSettled);
        Assert.Equal(StatementTotals.Zero, check.MedPayRefunded);
        Assert.Equal(StatementTotals.Zero, check.PlatformRefunded);
    }

    [Fact]
    public void An_order_created_just_before_midnight_and_settled_just_after_is_no_difference_on_either_day()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid, createdAt: new DateTimeOffset(2026, 11, 26, 23, 59, 59, TimeSpan.Zero));
        var line = Settled(order, at: new DateTimeOffset(2026, 11, 27, 0, 0, 1, TimeSpan.Zero));

        // Its own day: matched with the next day's statement.
        var own = Build([Input(order)], line);
        Assert.Empty(own.Mismatches);
        Assert.Equal(own.Platform!.MedPaySettled, own.Platform.PlatformSettled);

        // The next day: the line is on that day's statement, its order is of the day before, which claims it.
        var next = Day.AddDays(1);
        Assert.Equal([line], PlatformReconciliation.ToLookUp(Merchant, [], Statements(next, line)));
        var after = Build(next, [], Statements(next, line), Input(order));
        Assert.Empty(after.Mismatches);
        Assert.Equal(StatementTotals.Zero, after.Platform!.PlatformSettled);
    }

    [Fact]
    public void A_settled_order_the_platform_does_not_have_is_not_on_the_platform_statement()
    {
        var m = Single(Build([Input(Order("RX-1", OrderStatus.Settled, Paid))]), Kinds.NotOnPlatform);
        Assert.Equal("pharmacy-7~RX-1", m.OrderId);
        Assert.Equal("settled, fund 17850 / personal 37650 / cash 2000 fen", m.Order);
        Assert.Equal("succeeded, fund 17850 / personal 37650 / cash 2000 fen", m.Gateway);
        Assert.Equal("not on the platform's statements of 2026-11-25 to 2026-11-27", m.Platform);
    }

    [Fact]
    public void A_settlement_on_a_later_day_than_the_window_is_not_on_the_platform_statement()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid);
        Single(Build(Day, [Input(order)], Statements(Day, Settled(order, at: Morning.AddDays(2)))), Kinds.NotOnPlatform);
    }

    [Fact]
    public void A_platform_settlement_MedPay_never_heard_of_is_on_the_platform_statement_only()
    {
        var ghost = Order("RX-GHOST", OrderStatus.Settled, Paid);
        var line = Settled(ghost);
        Assert.Equal([line], PlatformReconciliation.ToLookUp(Merchant, [], Statements(Day, line)));

        var r = Build([], line);
        var m = Single(r, Kinds.OnPlatformOnly);
        Assert.Equal("pharmacy-7~RX-GHOST", m.OrderId);
        Assert.Equal("no such order", m.Order);
        Assert.Equal("no record", m.Gateway);
        Assert.Equal("settled, fund 17850 / personal 37650 fen, recorded 2026-11-26T08:00:01Z", m.Platform);
        Assert.Equal(StatementTotals.Zero, r.Platform!.MedPaySettled);
        Assert.Equal(new StatementTotals(1, 17_850, 37_650), r.Platform.PlatformSettled);
    }

    [Fact]
    public void The_gateway_record_of_a_platform_settlement_without_an_order_is_shown()
    {
        var ghost = Order("RX-GHOST", OrderStatus.Settled, Paid);
        var r = ReconciliationBuilder.Build(Merchant, Day, [], null, PlatformComparison.Of(
            Statements(Day, Settled(ghost)), settlements: new Dictionary<string, SettlementRecord> { [$"{ghost.OrderId}~1"] = Record(ghost, SettlementStatus.Unknown) }));
        Assert.StartsWith("unknown, ", Single(r, Kinds.OnPlatformOnly).Gateway, StringComparison.Ordinal);
    }

    [Fact]
    public void A_settlement_the_platform_holds_for_an_order_MedPay_recorded_as_failed_is_the_worst_case()
    {
        var order = Order("RX-1", OrderStatus.Failed, Paid);
        var r = Build([new ReconciliationInput(order, Record(order, SettlementStatus.Declined), [])], Settled(order));
        var m = Single(r, Kinds.OnPlatformOrderFailed);
        Assert.StartsWith("failed, ", m.Order, StringComparison.Ordinal);
        Assert.StartsWith("declined, ", m.Gateway, StringComparison.Ordinal);
        Assert.StartsWith("settled, ", m.Platform, StringComparison.Ordinal);
        Assert.Equal(StatementTotals.Zero, r.Platform!.MedPaySettled);
        Assert.Equal(1, r.Platform.PlatformSettled!.Count);
    }

    [Theory]
    [InlineData(OrderStatus.Created)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    [InlineData(OrderStatus.Paying)]
    public void A_standing_platform_settlement_of_an_unsettled_order_is_on_the_platform_statement_only(OrderStatus status)
    {
        var order = Order("RX-1", status, status is OrderStatus.Paying ? Paid : null);
        var m = Build([new ReconciliationInput(order, null, [])], Settled(order)).Mismatches.Single(m => m.Platform is not null);
        Assert.Equal(Kinds.OnPlatformOnly, m.What);
    }

    [Fact]
    public void A_reversed_settlement_where_MedPay_says_settled_is_a_difference_and_one_MedPay_failed_is_not()
    {
        var settled = Order("RX-1", OrderStatus.Settled, Paid);
        var failed = Order("RX-2", OrderStatus.Failed, Paid);
        var r = Build([Input(settled), new ReconciliationInput(failed, null, [])], Settled(settled, reversed: true), Settled(failed, reversed: true));
        var m = Single(r, Kinds.ReversedOnPlatform);
        Assert.Equal(settled.OrderId, m.OrderId);
        Assert.StartsWith("reversed, ", m.Platform, StringComparison.Ordinal);
        // A reversed settlement is not in the platform's totals, as its own statement counts.
        Assert.Equal(StatementTotals.Zero, r.Platform!.PlatformSettled);

        // Reversed at the platform and unknown to MedPay: nothing taken, nothing to say.
        Assert.Empty(Build([], Settled(Order("RX-3", OrderStatus.Settled, Paid), reversed: true)).Mismatches);
    }

    [Theory]
    [InlineData(17_851, 37_650)]
    [InlineData(17_850, 37_649)]
    [InlineData(0, 0)]
    public void Platform_amounts_that_differ_are_a_difference(long fund, long personal)
    {
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid);
        var r = Build([Input(order)], Settled(order, fund: fund, personal: personal));
        var m = Single(r, Kinds.AmountsDiffer);
        Assert.Equal("partially_refunded, fund 17850 / personal 37650 / cash 2000 fen", m.Order);
        Assert.Equal($"settled, fund {fund} / personal {personal} fen, recorded 2026-11-26T08:00:01Z", m.Platform);
        Assert.Equal(new StatementTotals(1, fund, personal), r.Platform!.PlatformSettled);
        Assert.NotEqual(r.Platform.MedPaySettled, r.Platform.PlatformSettled);
    }

    [Fact]
    public void A_payment_held_for_review_because_the_platform_misreported_shows_the_amounts_difference()
    {
        var order = Order("RX-1", OrderStatus.ManualReview, Paid);
        var r = Build([new ReconciliationInput(order, Record(order, SettlementStatus.Mismatch), [])], Settled(order, fund: Paid.FundFen + 1, personal: Paid.PersonalAccountFen - 1));
        Assert.Equal([ReconciliationBuilder.Kinds.Open, Kinds.AmountsDiffer], r.Mismatches.Select(m => m.What));
    }

    [Fact]
    public void Another_merchants_lines_are_not_this_merchants_business()
    {
        var theirs = Order("RX-1", OrderStatus.Settled, Paid, merchant: "clinic-9");
        var theirRefund = Refund(theirs.OrderId, "R-1", RefundStatus.Succeeded, new Split(100, 200, 0));
        var statements = Statements(Day, Settled(theirs), Refunded(theirs.OrderId, theirRefund));
        Assert.Empty(PlatformReconciliation.ToLookUp(Merchant, [], statements));
        var r = Build(Day, [], statements);
        Assert.Empty(r.Mismatches);
        Assert.Equal(StatementTotals.Zero, r.Platform!.PlatformSettled);
        Assert.Equal(StatementTotals.Zero, r.Platform.PlatformRefunded);
        Assert.Equal(["clinic-9"], PlatformReconciliation.MerchantsOf(statements.Day));
    }

    [Fact]
    public void A_platform_settlement_of_an_order_of_several_days_ago_is_reported_as_of_another_day()
    {
        var old = Order("RX-OLD", OrderStatus.Settled, Paid, createdAt: Morning.AddDays(-3));
        var r = Build(Day, [], Statements(Day, Settled(old)), Input(old));
        var m = Single(r, Kinds.OtherDay);
        Assert.Equal("settled, fund 17850 / personal 37650 / cash 2000 fen, created 2026-11-23", m.Order);
        Assert.Equal(1, r.Platform!.PlatformSettled!.Count);
    }

    [Fact]
    public void Refunds_recorded_at_the_platform_agree_with_MedPays_refunds_of_the_day()
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(5_100, 6_900, 0));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refunds: refund);
        var r = Build([Input(order)], Settled(order), Refunded(orderId, refund));
        Assert.Empty(r.Mismatches);
        Assert.Equal(new StatementTotals(1, 5_100, 6_900), r.Platform!.MedPayRefunded);
        Assert.Equal(r.Platform.MedPayRefunded, r.Platform.PlatformRefunded);
    }

    [Fact]
    public void A_refund_of_an_order_of_an_earlier_day_is_checked_on_the_day_it_was_requested()
    {
        var orderId = OrderIds.For(Merchant, "RX-OLD");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(5_100, 6_900, 0));
        var old = Order("RX-OLD", OrderStatus.PartiallyRefunded, Paid, createdAt: Morning.AddDays(-10), refunds: refund);
        var line = Refunded(orderId, refund);
        Assert.Equal([line], PlatformReconciliation.ToLookUp(Merchant, [], Statements(Day, line)));

        var r = Build(Day, [], Statements(Day, line), Input(old));
        Assert.Empty(r.Mismatches);
        Assert.Equal(new StatementTotals(1, 5_100, 6_900), r.Platform!.MedPayRefunded);
        Assert.Equal(r.Platform.MedPayRefunded, r.Platform.PlatformRefunded);
        // The order's own day does not count it: its refunds are of the day they were requested.
        Assert.Equal(StatementTotals.Zero, Build(Day.AddDays(-10), [Input(old)], Statements(Day.AddDays(-10), Settled(old, at: old.CreatedAt.AddSeconds(1)))).Platform!.MedPayRefunded);
    }

    [Fact]
    public void A_refund_requested_just_before_midnight_and_recorded_just_after_is_no_difference_on_either_day()
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(100, 200, 0), new DateTimeOffset(2026, 11, 26, 23, 59, 59, TimeSpan.Zero));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, createdAt: Morning.AddDays(-1), refunds: refund);
        var line = Refunded(orderId, refund, at: new DateTimeOffset(2026, 11, 27, 0, 0, 1, TimeSpan.Zero));

        var own = Build(Day, [], Statements(Day, line), Input(order));
        Assert.Empty(own.Mismatches);
        Assert.Equal(own.Platform!.MedPayRefunded, own.Platform.PlatformRefunded);
        var next = Build(Day.AddDays(1), [], Statements(Day.AddDays(1), line), Input(order));
        Assert.Empty(next.Mismatches);
        Assert.Equal(StatementTotals.Zero, next.Platform!.PlatformRefunded);
    }

    [Fact]
    public void A_succeeded_refund_the_platform_does_not_have_is_not_on_the_platform_statement()
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(100, 200, 300));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refunds: refund);
        var m = Single(Build([Input(order)], Settled(order)), $"{Kinds.RefundNotOnPlatform}: R-1");
        Assert.Equal("succeeded, fund 100 / personal 200 / cash 300 fen", m.Order);
        Assert.StartsWith("succeeded, ", m.Gateway, StringComparison.Ordinal);
        Assert.StartsWith("not on the platform's statements", m.Platform, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refund_of_cash_only_is_the_cash_channels_alone_and_on_no_platform_statement()
    {
        // Found by the chaos run: a refund that gives back only cash never goes to the platform.
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(0, 0, 300));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refunds: refund);
        var r = Build([Input(order)], Settled(order));

        Assert.Empty(r.Mismatches);
        Assert.Equal(StatementTotals.Zero, r.Platform!.MedPayRefunded);
        Assert.Equal(r.Platform.MedPayRefunded, r.Platform.PlatformRefunded);
    }

    [Fact]
    public void Refund_amounts_that_differ_are_a_difference()
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(100, 200, 0));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refunds: refund);
        var r = Build([Input(order)], Settled(order), Refunded(orderId, refund, fund: 101));
        var m = Single(r, $"{Kinds.RefundAmountsDiffer}: R-1");
        Assert.Equal("refunded, fund 101 / personal 200 fen, recorded 2026-11-26T08:00:01Z", m.Platform);
        Assert.Equal(new StatementTotals(1, 101, 200), r.Platform!.PlatformRefunded);
    }

    [Theory]
    [InlineData(RefundStatus.Failed)]
    [InlineData(RefundStatus.Pending)]
    public void A_platform_refund_that_MedPay_did_not_record_as_succeeded_is_a_difference(RefundStatus status)
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", status, new Split(100, 200, 0));
        var order = Order("RX-1", OrderStatus.Settled, Paid, refunds: refund);
        var r = Build([new ReconciliationInput(order, Record(order), [(refund, null)])], Settled(order), Refunded(orderId, refund));
        var m = r.Mismatches.Single(m => m.Platform is not null);
        Assert.Equal($"{Kinds.RefundOnPlatformNotSucceeded}: R-1", m.What);
        Assert.StartsWith(status.ToString().ToLowerInvariant(), m.Order, StringComparison.Ordinal);
        Assert.Equal(StatementTotals.Zero, r.Platform!.MedPayRefunded);
        Assert.Equal(1, r.Platform.PlatformRefunded!.Count);
    }

    [Fact]
    public void A_platform_refund_MedPay_has_no_record_of_is_on_the_platform_statement_only()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid, createdAt: Morning.AddDays(-5));
        var unknown = Refund(order.OrderId, "R-X", RefundStatus.Succeeded, new Split(100, 200, 0));
        var r = Build(Day, [], Statements(Day, Refunded(order.OrderId, unknown)), Input(order));
        var m = Single(r, $"{Kinds.RefundOnPlatformOnly}: {unknown.RefundSettlementId}");
        Assert.Equal("no such refund", m.Order);
        Assert.Equal("no record", m.Gateway);

        // Nor the order.
        Assert.Equal("no such order", Single(Build(Day, [], Statements(Day, Refunded(order.OrderId, unknown))), m.What).Order);
    }

    [Fact]
    public void Without_the_platforms_statement_the_check_says_so_and_lists_no_platform_difference()
    {
        var orderId = OrderIds.For(Merchant, "RX-1");
        var refund = Refund(orderId, "R-1", RefundStatus.Succeeded, new Split(100, 200, 300));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refunds: refund);
        var r = ReconciliationBuilder.Build(Merchant, Day, [Input(order)], null, PlatformComparison.NotAvailable("the insurance platform did not answer in time"));

        Assert.Empty(r.Mismatches);
        var check = r.Platform!;
        Assert.False(check.Checked);
        Assert.Equal("the insurance platform did not answer in time", check.Unavailable);
        Assert.Null(check.PlatformSettled);
        Assert.Null(check.PlatformRefunded);
        Assert.Equal(new StatementTotals(1, 17_850, 37_650), check.MedPaySettled);
        Assert.Equal(new StatementTotals(1, 100, 200), check.MedPayRefunded);
    }

    [Fact]
    public void Only_unclaimed_settlements_of_the_day_and_refunds_of_unlisted_orders_are_looked_up()
    {
        var listed = Order("RX-1", OrderStatus.Settled, Paid);
        var ghostToday = Order("RX-2", OrderStatus.Settled, Paid);
        var ghostTomorrow = Order("RX-3", OrderStatus.Settled, Paid, createdAt: Morning.AddDays(1));
        var oldId = OrderIds.For(Merchant, "RX-OLD");
        var refundYesterday = Refund(oldId, "R-1", RefundStatus.Succeeded, new Split(1, 2, 0), Morning.AddDays(-1));
        var listedRefund = Refund(listed.OrderId, "R-2", RefundStatus.Succeeded, new Split(1, 2, 0));
        var statements = Statements(Day,
            Settled(listed), Settled(ghostToday), Settled(ghostTomorrow, at: Morning.AddDays(1)),
            Refunded(oldId, refundYesterday), Refunded(listed.OrderId, listedRefund));

        Assert.Equal(
            [$"{ghostToday.OrderId}~1", refundYesterday.RefundSettlementId],
            PlatformReconciliation.ToLookUp(Merchant, [listed], statements).Select(l => l.Id));
    }

    [Fact]
    public void Platform_differences_follow_the_orders_own_in_the_statement_and_are_in_the_csv()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid);
        var r = ReconciliationBuilder.Build(Merchant, Day, [new ReconciliationInput(order, null, [])], null, PlatformComparison.Of(Statements(Day)));
        Assert.Equal([ReconciliationBuilder.Kinds.SettlementMissing, Kinds.NotOnPlatform], r.Mismatches.Select(m => m.What));
        Assert.Null(r.Mismatches[0].Platform);

        var csv = ReconciliationBuilder.ToCsv(r);
        Assert.EndsWith(
            "orderId,what,order,gateway,platform\n" +
            "pharmacy-7~RX-1,settlement missing,\"settled, fund 17850 / personal 37650 / cash 2000 fen\",no record,\n" +
            "pharmacy-7~RX-1,not on platform statement,\"settled, fund 17850 / personal 37650 / cash 2000 fen\",no record,not on the platform's statements of 2026-11-25 to 2026-11-27\n" +
            "\n" +
            "platformCheck,side,settledCount,settledFundFen,settledPersonalAccountFen,refundCount,refundedFundFen,refundedPersonalAccountFen\n" +
            "checked,medpay,1,17850,37650,0,0,0\n" +
            "checked,platform,0,0,0,0,0,0\n",
            csv);

        var unavailable = ReconciliationBuilder.ToCsv(ReconciliationBuilder.Build(Merchant, Day, [], null, PlatformComparison.NotAvailable("the insurance platform could not be reached")));
        Assert.EndsWith(
            "unavailable: the insurance platform could not be reached,medpay,0,0,0,0,0,0\n" +
            "unavailable: the insurance platform could not be reached,platform,,,,,,\n",
            unavailable);
    }
}
