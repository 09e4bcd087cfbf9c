using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Kinds = MedPay.Grains.Domain.ReconciliationBuilder.Kinds;

namespace MedPay.UnitTests;

public sealed class ReconciliationBuilderTests
{
    private const string Merchant = "pharmacy-7";
    private static readonly DateOnly Day = new(2026, 11, 26);
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private static readonly Split Paid = new(17_850, 37_650, 2_000);

    private static OrderView Order(string no, OrderStatus status, Split? split = null, params RefundView[] refunds)
    {
        var id = OrderIds.For(Merchant, no);
        var settlementId = status is OrderStatus.Created or OrderStatus.Cancelled ? null : $"{id}~1";
        return new OrderView(
            id, Merchant, no, "u-1001", status,
            [new OrderItem("A-AMOX-250", "Amoxicillin 250 mg", ItemCategory.A, 57_500, 1)],
            57_500, split, settlementId, split is null ? null : "PS-1", null,
            [new OrderHistoryEntry(T0, OrderStatus.Created, "created")], T0, T0,
            [.. refunds], ImmutableArray<NotificationView>.Empty);
    }

    private static RefundView Refund(string refundId, RefundStatus status, Split split) =>
        new(refundId, split.TotalFen, "returned", status, split, $"{refundId}-settlement", null, null, T0, null);

    private static SettlementRecord Record(OrderView order, SettlementStatus status, Split? split = null) =>
        new(order.SettlementId ?? $"{order.OrderId}~1", status,
            new SettlementRequest(order.SettlementId ?? $"{order.OrderId}~1", order.OrderId, Merchant, order.UserId, "V-1", "330100", split ?? order.Split ?? Paid),
            "PS-1", null, null, 1, T0);

    private static RefundRecord RefundRecord(OrderView order, RefundView refund, SettlementStatus status, Split? split = null) =>
        new(refund.RefundSettlementId, status,
            new RefundRequest(refund.RefundSettlementId, $"{order.OrderId}~1", order.OrderId, refund.RefundId, split ?? refund.Split),
            "PR-1", null, null, T0);

    /// <summary>An order with the gateway agreeing on the settlement and on every refund.</summary>
    private static ReconciliationInput Agreeing(OrderView order) => new(
        order,
        order.Split is null ? null : Record(order, SettlementStatus.Succeeded),
        [.. order.Refunds.Select(r => (r, (RefundRecord?)RefundRecord(order, r, r.Status == RefundStatus.Succeeded ? SettlementStatus.Succeeded : SettlementStatus.Declined)))]);

    private static Reconciliation Build(params ReconciliationInput[] inputs) => ReconciliationBuilder.Build(Merchant, Day, inputs);

    private static ReconciliationMismatch Single(Reconciliation r, string what)
    {
        var m = Assert.Single(r.Mismatches);
        Assert.Equal(what, m.What);
        return m;
    }

    [Fact]
    public void Totals_cover_settled_and_refunded_orders_and_succeeded_refunds_only()
    {
        var r = Build(
            Agreeing(Order("RX-1", OrderStatus.Settled, Paid)),
            Agreeing(Order("RX-2", OrderStatus.PartiallyRefunded, new Split(1_000, 2_000, 3_000),
                Refund("R-1", RefundStatus.Succeeded, new Split(100, 200, 300)),
                Refund("R-2", RefundStatus.Failed, new Split(1, 1, 1)))),
            Agreeing(Order("RX-3", OrderStatus.Refunded, new Split(0, 500, 0), Refund("R-3", RefundStatus.Succeeded, new Split(0, 500, 0)))),
            new ReconciliationInput(Order("RX-4", OrderStatus.Failed, new Split(9, 9, 9)), Record(Order("RX-4", OrderStatus.Failed, new Split(9, 9, 9)), SettlementStatus.Declined), []),
            new ReconciliationInput(Order("RX-5", OrderStatus.Created), null, []),
            new ReconciliationInput(Order("RX-6", OrderStatus.Cancelled), null, []));

        Assert.Equal(Merchant, r.MerchantId);
        Assert.Equal(Day, r.Day);
        Assert.Equal(3, r.SettledCount);
        Assert.Equal(new Split(18_850, 40_150, 5_000), r.Settled);
        Assert.Equal(64_000, r.SettledTotalFen);
        Assert.Equal(2, r.RefundCount);
        Assert.Equal(new Split(100, 700, 300), r.Refunded);
        Assert.Equal(1_100, r.RefundedTotalFen);
        Assert.Empty(r.Mismatches);
    }

    [Fact]
    public void No_orders_is_an_empty_statement()
    {
        var r = Build();
        Assert.Equal((0, new Split(0, 0, 0), 0, new Split(0, 0, 0)), (r.SettledCount, r.Settled, r.RefundCount, r.Refunded));
        Assert.Empty(r.Mismatches);
    }

    [Fact]
    public void A_settled_order_without_a_gateway_record_is_a_mismatch()
    {
        var m = Single(Build(new ReconciliationInput(Order("RX-1", OrderStatus.Settled, Paid), null, [])), Kinds.SettlementMissing);
        Assert.Equal("pharmacy-7~RX-1", m.OrderId);
        Assert.Equal("settled, fund 17850 / personal 37650 / cash 2000 fen", m.Order);
        Assert.Equal("no record", m.Gateway);
    }

    [Theory]
    [InlineData(SettlementStatus.Pending, "pending")]
    [InlineData(SettlementStatus.Declined, "declined")]
    [InlineData(SettlementStatus.Unknown, "unknown")]
    [InlineData(SettlementStatus.Mismatch, "mismatch")]
    public void A_settled_order_whose_record_did_not_succeed_is_a_mismatch(SettlementStatus status, string name)
    {
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid);
        var r = Build(new ReconciliationInput(order, Record(order, status), []));
        var m = Single(r, Kinds.SettlementNotSucceeded);
        Assert.Equal("partially_refunded, fund 17850 / personal 37650 / cash 2000 fen", m.Order);
        Assert.StartsWith($"{name}, ", m.Gateway, StringComparison.Ordinal);
        Assert.Equal(1, r.SettledCount);   // the order's own figures still count: the mismatch says the gateway disagrees
    }

    [Fact]
    public void A_split_that_differs_from_the_gateway_request_is_a_mismatch()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid);
        var m = Single(Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded, new Split(17_850, 37_000, 2_650)), [])), Kinds.SplitDiffers);
        Assert.Equal("fund 17850 / personal 37650 / cash 2000 fen", m.Order);
        Assert.Equal("fund 17850 / personal 37000 / cash 2650 fen", m.Gateway);
    }

    [Fact]
    public void A_record_that_both_failed_and_differs_reports_both()
    {
        var order = Order("RX-1", OrderStatus.Settled, Paid);
        var r = Build(new ReconciliationInput(order, Record(order, SettlementStatus.Unknown, new Split(1, 2, 3)), []));
        Assert.Equal([Kinds.SettlementNotSucceeded, Kinds.SplitDiffers], r.Mismatches.Select(m => m.What));
    }

    /// <summary>Every status that is neither settled nor open (failed, created, cancelled and any final one added later).</summary>
    private static readonly OrderStatus[] Unsettled = [.. Enum.GetValues<OrderStatus>().Where(s => s is not (OrderStatus.Settled
        or OrderStatus.PartiallyRefunded or OrderStatus.Refunded or OrderStatus.Paying or OrderStatus.ManualReview))];

    public static TheoryData<OrderStatus> UnsettledStatuses() => new(Unsettled);

    [Fact]
    public void The_unsettled_statuses_include_failed_created_and_cancelled() =>
        Assert.Superset(new HashSet<OrderStatus> { OrderStatus.Failed, OrderStatus.Created, OrderStatus.Cancelled }, Unsettled.ToHashSet());

    [Theory]
    [MemberData(nameof(UnsettledStatuses))]
    public void An_unsettled_order_paid_at_the_gateway_is_a_mismatch(OrderStatus status)
    {
        var order = Order("RX-1", status, status == OrderStatus.Failed ? Paid : null);
        var r = Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded, Paid), []));
        var m = Single(r, Kinds.PaidButNotSettled);
        Assert.StartsWith(status.ToString().ToLowerInvariant(), m.Order, StringComparison.Ordinal);
        Assert.Equal("succeeded, fund 17850 / personal 37650 / cash 2000 fen", m.Gateway);
        Assert.Equal(0, r.SettledCount);
        Assert.Equal(0, r.SettledTotalFen);
    }

    [Theory]
    [InlineData(SettlementStatus.Declined)]
    [InlineData(SettlementStatus.Pending)]
    [InlineData(SettlementStatus.Unknown)]
    public void An_unsettled_order_not_paid_at_the_gateway_agrees(SettlementStatus status)
    {
        var order = Order("RX-1", OrderStatus.Failed, Paid);
        Assert.Empty(Build(new ReconciliationInput(order, Record(order, status), [])).Mismatches);
        Assert.Empty(Build(new ReconciliationInput(order, null, [])).Mismatches);
    }

    [Theory]
    [InlineData(OrderStatus.Paying, "paying")]
    [InlineData(OrderStatus.ManualReview, "manual_review")]
    public void A_paying_or_held_order_is_open(OrderStatus status, string name)
    {
        var order = Order("RX-1", status, Paid);
        var withRecord = Single(Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [])), Kinds.Open);
        Assert.StartsWith(name, withRecord.Order, StringComparison.Ordinal);
        Assert.StartsWith("succeeded", withRecord.Gateway, StringComparison.Ordinal);
        var withoutRecord = Single(Build(new ReconciliationInput(order, null, [])), Kinds.Open);
        Assert.Equal("no record", withoutRecord.Gateway);
        Assert.Equal(0, Build(new ReconciliationInput(order, null, [])).SettledCount);
    }

    [Fact]
    public void A_succeeded_refund_without_a_record_is_a_mismatch()
    {
        var refund = Refund("R-1", RefundStatus.Succeeded, new Split(10, 20, 30));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refund);
        var r = Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [(refund, null)]));
        var m = Single(r, $"{Kinds.RefundMissing}: R-1");
        Assert.Equal("succeeded, fund 10 / personal 20 / cash 30 fen", m.Order);
        Assert.Equal("no record", m.Gateway);
        Assert.Equal((1, 60L), (r.RefundCount, r.RefundedTotalFen));
    }

    [Theory]
    [InlineData(SettlementStatus.Pending)]
    [InlineData(SettlementStatus.Declined)]
    [InlineData(SettlementStatus.Unknown)]
    public void A_succeeded_refund_whose_record_did_not_succeed_is_a_mismatch(SettlementStatus status)
    {
        var refund = Refund("R-1", RefundStatus.Succeeded, new Split(10, 20, 30));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refund);
        Single(Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [(refund, RefundRecord(order, refund, status))])), $"{Kinds.RefundNotSucceeded}: R-1");
    }

    [Fact]
    public void A_refund_split_that_differs_from_the_record_is_a_mismatch()
    {
        var refund = Refund("R-1", RefundStatus.Succeeded, new Split(10, 20, 30));
        var order = Order("RX-1", OrderStatus.PartiallyRefunded, Paid, refund);
        var m = Single(
            Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [(refund, RefundRecord(order, refund, SettlementStatus.Succeeded, new Split(0, 30, 30)))])),
            $"{Kinds.RefundSplitDiffers}: R-1");
        Assert.Equal("fund 10 / personal 20 / cash 30 fen", m.Order);
        Assert.Equal("fund 0 / personal 30 / cash 30 fen", m.Gateway);
    }

    [Fact]
    public void A_failed_refund_that_went_through_at_the_gateway_is_a_mismatch_and_a_pending_one_is_open()
    {
        var failed = Refund("R-1", RefundStatus.Failed, new Split(10, 20, 30));
        var pending = Refund("R-2", RefundStatus.Pending, new Split(1, 2, 3));
        var order = Order("RX-1", OrderStatus.Settled, Paid, failed, pending);
        var r = Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [(failed, RefundRecord(order, failed, SettlementStatus.Succeeded)), (pending, null)]));
        Assert.Equal([$"{Kinds.RefundedButNotRecorded}: R-1", $"{Kinds.RefundOpen}: R-2"], r.Mismatches.Select(m => m.What));
        Assert.Equal(0, r.RefundCount);
        Assert.Equal(0, r.RefundedTotalFen);
    }

    [Fact]
    public void A_refund_in_review_is_listed_with_its_reason_not_as_open_and_not_in_the_totals()
    {
        var declined = Refund("R-1", RefundStatus.ManualReview, new Split(10, 20, 30)) with { Failure = new(ErrorCodes.RefundDeclined, "refund window closed") };
        var unknown = Refund("R-2", RefundStatus.ManualReview, new Split(1, 2, 3)) with { Failure = new(ErrorCodes.RefundUnknown, "still unknown after 31 minutes") };
        var order = Order("RX-1", OrderStatus.Settled, Paid, declined, unknown);
        var r = Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded),
            [(declined, RefundRecord(order, declined, SettlementStatus.Declined)), (unknown, RefundRecord(order, unknown, SettlementStatus.Unknown))]));

        Assert.Equal([$"{Kinds.RefundInReview}: R-1", $"{Kinds.RefundInReview}: R-2"], r.Mismatches.Select(m => m.What));
        Assert.Equal("manual_review, fund 10 / personal 20 / cash 30 fen; refund_declined: refund window closed", r.Mismatches[0].Order);
        Assert.Equal("declined, fund 10 / personal 20 / cash 30 fen", r.Mismatches[0].Gateway);
        Assert.Equal("manual_review, fund 1 / personal 2 / cash 3 fen; refund_unknown: still unknown after 31 minutes", r.Mismatches[1].Order);
        Assert.Equal("unknown, fund 1 / personal 2 / cash 3 fen", r.Mismatches[1].Gateway);
        Assert.Equal((1, 0, 0L), (r.SettledCount, r.RefundCount, r.RefundedTotalFen));
    }

    [Fact]
    public void A_refund_in_review_without_its_gateway_record_is_still_listed_once()
    {
        var held = Refund("R-1", RefundStatus.ManualReview, new Split(10, 20, 30));
        var order = Order("RX-1", OrderStatus.Settled, Paid, held);
        var m = Single(Build(new ReconciliationInput(order, Record(order, SettlementStatus.Succeeded), [(held, null)])), $"{Kinds.RefundInReview}: R-1");
        Assert.Equal("manual_review, fund 10 / personal 20 / cash 30 fen; no reason recorded", m.Order);
        Assert.Equal("no record", m.Gateway);
    }

    [Fact]
    public void Mismatches_are_ordered_by_order_id_keeping_each_orders_own_order()
    {
        var c = Order("RX-C", OrderStatus.Settled, Paid);
        var r = ReconciliationBuilder.Build(Merchant, Day,
        [
            new ReconciliationInput(Order("RX-B", OrderStatus.Paying, Paid), null, []),
            new ReconciliationInput(c, Record(c, SettlementStatus.Unknown, new Split(1, 1, 1)), []),
            new ReconciliationInput(Order("RX-A", OrderStatus.Settled, Paid), null, []),
        ], ["pharmacy-7~RX-0"]);
        Assert.Equal(
            [("pharmacy-7~RX-0", Kinds.OrderUnreadable), ("pharmacy-7~RX-A", Kinds.SettlementMissing), ("pharmacy-7~RX-B", Kinds.Open),
             ("pharmacy-7~RX-C", Kinds.SettlementNotSucceeded), ("pharmacy-7~RX-C", Kinds.SplitDiffers)],
            r.Mismatches.Select(m => (m.OrderId, m.What)));
    }

    [Fact]
    public void The_csv_has_a_totals_section_a_blank_line_and_one_row_per_mismatch()
    {
        var refund = Refund("R-1", RefundStatus.Succeeded, new Split(100, 200, 300));
        var r = Build(
            Agreeing(Order("RX-1", OrderStatus.PartiallyRefunded, new Split(1_000, 2_000, 3_000), refund)),
            new ReconciliationInput(Order("RX-2", OrderStatus.Settled, Paid), null, []));

        var csv = ReconciliationBuilder.ToCsv(r);

        Assert.DoesNotContain('\r', csv);
        Assert.Equal(
            "merchantId,day,settledCount,totalFen,fundFen,personalAccountFen,cashFen,refundCount,refundedFen,refundedFundFen,refundedPersonalAccountFen,refundedCashFen,mismatches\n" +
            "pharmacy-7,2026-11-26,2,63500,18850,39650,5000,1,600,100,200,300,1\n" +
            "\n" +
            "orderId,what,order,gateway,platform\n" +
            "pharmacy-7~RX-2,settlement missing,\"settled, fund 17850 / personal 37650 / cash 2000 fen\",no record,\n",
            csv);
    }

    [Fact]
    public void A_clean_statement_still_has_the_mismatch_header()
    {
        var csv = ReconciliationBuilder.ToCsv(Build());
        Assert.Equal(
            "merchantId,day,settledCount,totalFen,fundFen,personalAccountFen,cashFen,refundCount,refundedFen,refundedFundFen,refundedPersonalAccountFen,refundedCashFen,mismatches\n" +
            "pharmacy-7,2026-11-26,0,0,0,0,0,0,0,0,0,0,0\n\norderId,what,order,gateway,platform\n",
            csv);
    }

    [Fact]
    public void Csv_fields_with_commas_quotes_or_line_breaks_are_quoted_with_quotes_doubled()
    {
        var r = new Reconciliation(Merchant, Day, 0, new Split(0, 0, 0), 0, new Split(0, 0, 0),
        [
            new("o-1", "say \"hi\"", "a,b", "line\nbreak"),
            new("o-2", "cr\rhere", "plain", ""),
        ]);
        var lines = ReconciliationBuilder.ToCsv(r).Split("\n\n")[1];
        Assert.Equal("orderId,what,order,gateway,platform\no-1,\"say \"\"hi\"\"\",\"a,b\",\"line\nbreak\",\no-2,\"cr\rhere\",plain,,\n", lines);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("x\"y", "\"x\"\"y\"")]
    [InlineData(" padded ", " padded ")]
    public void Csv_field_quoting_follows_rfc_4180(string? value, string expected) =>
        Assert.Equal(expected, ReconciliationCsv.Field(value));

    [Fact]
    public void Csv_numbers_are_invariant_whatever_the_current_culture()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
            var big = new Reconciliation(Merchant, Day, 1_234_567, new Split(1_000_000_000, 2_000_000, 3), 0, new Split(0, 0, 0), []);
            Assert.StartsWith("merchantId,", ReconciliationBuilder.ToCsv(big), StringComparison.Ordinal);
            Assert.Contains("\npharmacy-7,2026-11-26,1234567,1002000003,1000000000,2000000,3,0,0,0,0,0,0\n", ReconciliationBuilder.ToCsv(big), StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }
}
