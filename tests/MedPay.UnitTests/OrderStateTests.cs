using MedPay.Contracts;
using MedPay.Grains;
using Microsoft.Extensions.Time.Testing;

namespace MedPay.UnitTests;

/// <summary>An order's transitions, without a cluster: each one's effect, the lifecycle they enforce, the outbox.</summary>
public sealed class OrderStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly Split Paid = new(6_800, 10_000, 28_200);
    private static readonly CreateOrderCommand Command = new("m1", "o1", "u1", [new OrderItem("X1", "Ibuprofen", ItemCategory.A, 45_000, 1)]);
    private static readonly Reservation Reserved = new("order-1", "order-1~1", Paid, 0, "V-1", "310000", InsuranceType.Employee, T0.AddSeconds(5), "hash-of-reservation");

    private static OrderState NewOrder() => OrderState.Created(Command, Paid.TotalFen, T0, merchantSegment: 3, userSegment: 4);

    private static OrderState PayingOrder() => NewOrder().Paying(Reserved, "hash-of-request", T0.AddSeconds(10));

    private static OrderState SettledOrder() => PayingOrder().Settled(Record(SettlementStatus.Succeeded, "P-1"), T0.AddSeconds(20));

    private static SettlementRecord Record(SettlementStatus status, string? platformRef, Failure? failure = null) =>
        new("order-1~1", status, new SettlementRequest("order-1~1", "order-1", "m1", "u1", "V-1", "310000", Paid), platformRef, "C-1", failure, 1, T0.AddSeconds(15));

    private static RefundView PendingRefund(string id, long amountFen, Split split, DateTimeOffset at) =>
        new(id, amountFen, "returned", RefundStatus.Pending, split, $"order-1~refund-{id}", null, null, at, null);

    [Fact]
    public void Created_is_a_new_order_with_its_first_history_entry()
    {
        var order = NewOrder();

        Assert.Equal(OrderStatus.Created, order.Status);
        Assert.Same(Command, order.Command);
        Assert.Equal(45_000, order.TotalFen);
        Assert.Equal((T0, T0), (order.CreatedAt, order.UpdatedAt));
        Assert.Equal((3, 4), (order.IndexSegment, order.UserIndexSegment));
        Assert.Equal(new OrderHistoryEntry(T0, OrderStatus.Created, "created by merchant m1"), Assert.Single(order.History));
        Assert.Empty(order.Refunds);
        Assert.Empty(order.Outbox);
    }

    [Fact]
    public void Paying_takes_the_reservation_and_says_how_it_splits()
    {
        var at = T0.AddSeconds(10);
        var order = NewOrder().Paying(Reserved, "hash-of-request", at);

        Assert.Equal(OrderStatus.Paying, order.Status);
        Assert.Equal(Paid, order.Split);
        Assert.Equal("order-1~1", order.SettlementId);
        Assert.Equal(("V-1", "310000"), (order.VoucherNo, order.InsuredRegion));
        Assert.Equal(Reserved.ReservedAt, order.PayingSince);
        Assert.Equal("hash-of-request", order.AuthCodeHash);
        Assert.Equal(at, order.UpdatedAt);
        Assert.Equal(T0, order.CreatedAt);
        Assert.Equal(2, order.History.Count);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Paying, "settlement order-1~1: fund 6800, personal account 10000, cash 28200 fen"), order.History[^1]);
    }

    [Fact]
    public void Paying_keeps_the_consent_of_the_request_else_of_the_reservation_else_the_one_it_had()
    {
        Assert.Equal("hash-of-request", NewOrder().Paying(Reserved, "hash-of-request", T0).AuthCodeHash);
        Assert.Equal("hash-of-reservation", NewOrder().Paying(Reserved, null, T0).AuthCodeHash);
        Assert.Equal("kept", (NewOrder() with { AuthCodeHash = "kept" }).Paying(Reserved with { AuthCodeHash = null }, null, T0).AuthCodeHash);
    }

    [Fact]
    public void WithSettlement_keeps_the_exchange_record_without_an_entry()
    {
        var paying = PayingOrder();
        var record = Record(SettlementStatus.Unknown, "P-1");

        var order = paying.WithSettlement(record);

        Assert.Same(record, order.Settlement);
        Assert.Equal(paying.Status, order.Status);
        Assert.Equal(paying.UpdatedAt, order.UpdatedAt);
        Assert.Equal(paying.History, order.History);
    }

    [Fact]
    public void Settled_records_the_platform_reference()
    {
        var at = T0.AddSeconds(20);
        var order = PayingOrder().Settled(Record(SettlementStatus.Succeeded, "P-1"), at);

        Assert.Equal(OrderStatus.Settled, order.Status);
        Assert.Equal("P-1", order.PlatformSettlementRef);
        Assert.Null(order.Failure);
        Assert.Equal(at, order.UpdatedAt);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Settled, "settled at the platform as P-1"), order.History[^1]);
    }

    [Fact]
    public void Failed_for_insufficient_balance_keeps_the_consent_that_tried()
    {
        var failure = new Failure(ErrorCodes.InsufficientBalance, "The personal account cannot pay this.");
        var at = T0.AddSeconds(3);

        var order = NewOrder().Failed(failure, at, "hash-of-request");

        Assert.Equal(OrderStatus.Failed, order.Status);
        Assert.Same(failure, order.Failure);
        Assert.Equal("hash-of-request", order.AuthCodeHash);
        Assert.Null(order.Split);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Failed, "The personal account cannot pay this."), order.History[^1]);
    }

    [Fact]
    public void Failed_when_declined_keeps_the_consent_it_paid_with()
    {
        var failure = new Failure("platform_declined", "Declined by the platform.");

        var order = PayingOrder().Failed(failure, T0.AddSeconds(20));

        Assert.Equal(OrderStatus.Failed, order.Status);
        Assert.Same(failure, order.Failure);
        Assert.Equal("hash-of-request", order.AuthCodeHash);
        Assert.Equal(Paid, order.Split);
        Assert.Equal("Declined by the platform.", order.History[^1].Cause);
    }

    [Fact]
    public void HeldForReview_for_a_mismatch_keeps_the_platform_reference()
    {
        var failure = new Failure("amount_mismatch", "The platform reported other amounts.");
        var at = T0.AddSeconds(20);

        var order = PayingOrder().HeldForReview(failure, at, "P-9");

        Assert.Equal(OrderStatus.ManualReview, order.Status);
        Assert.Same(failure, order.Failure);
        Assert.Equal("P-9", order.PlatformSettlementRef);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.ManualReview, "The platform reported other amounts."), order.History[^1]);
    }

    [Fact]
    public void HeldForReview_for_an_unknown_outcome_has_no_platform_reference()
    {
        var failure = new Failure(ErrorCodes.SettlementUnknown, "the outcome of settlement order-1~1 is still unknown after 30 minutes");

        var order = PayingOrder().HeldForReview(failure, T0.AddMinutes(30));

        Assert.Equal(OrderStatus.ManualReview, order.Status);
        Assert.Null(order.PlatformSettlementRef);
        Assert.Equal(failure.Message, order.History[^1].Cause);
    }

    [Fact]
    public void Cancelled_and_Expired_say_why()
    {
        var at = T0.AddHours(1);

        var cancelled = NewOrder().Cancelled("the patient left", at);
        var expired = NewOrder().Expired("not paid in time", at);

        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Cancelled, "cancelled: the patient left"), cancelled.History[^1]);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Expired, "expired: not paid in time"), expired.History[^1]);
        Assert.Equal((OrderStatus.Cancelled, OrderStatus.Expired), (cancelled.Status, expired.Status));
        Assert.Equal((at, at), (cancelled.UpdatedAt, expired.UpdatedAt));
    }

    [Fact]
    public void RefundRequested_adds_the_pending_refund_and_an_entry_in_the_status_the_order_is_in()
    {
        var at = T0.AddMinutes(5);
        var refund = PendingRefund("r1", 10_000, new Split(1_511, 2_222, 6_267), at);

        var order = SettledOrder().RefundRequested(refund, at);

        Assert.Equal(OrderStatus.Settled, order.Status);
        Assert.Same(refund, Assert.Single(order.Refunds));
        Assert.Equal(at, order.UpdatedAt);
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Settled, "refund r1 of 10000 fen requested: returned"), order.History[^1]);
    }

    [Fact]
    public void RefundSucceeded_refunds_partially_then_fully_once_the_refunds_add_up_to_what_was_paid()
    {
        var clock = new FakeTimeProvider(T0.AddMinutes(5));
        var first = PendingRefund("r1", 10_000, new Split(1_511, 2_222, 6_267), clock.GetUtcNow());
        var order = SettledOrder().RefundRequested(first, clock.GetUtcNow());

        clock.Advance(TimeSpan.FromSeconds(2));
        order = order.RefundSucceeded(first, "PR-1", clock.GetUtcNow());

        Assert.Equal(OrderStatus.PartiallyRefunded, order.Status);
        Assert.Equal(first with { Status = RefundStatus.Succeeded, PlatformRefundRef = "PR-1", CompletedAt = clock.GetUtcNow() }, order.Refund("r1"));
        Assert.Equal(
            new OrderHistoryEntry(clock.GetUtcNow(), OrderStatus.PartiallyRefunded, "refund r1 of 10000 fen: fund 1511, personal account 2222, cash 6267"),
            order.History[^1]);

        var rest = PendingRefund("r2", 35_000, new Split(5_289, 7_778, 21_933), clock.GetUtcNow());
        order = order.RefundRequested(rest, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(2));
        order = order.RefundSucceeded(rest, "PR-2", clock.GetUtcNow());

        Assert.Equal(OrderStatus.Refunded, order.Status);
        Assert.Equal(new[] { RefundStatus.Succeeded, RefundStatus.Succeeded }, order.Refunds.Select(r => r.Status));
        Assert.Equal(OrderStatus.Refunded, order.History[^1].Status);
    }

    [Fact]
    public void RefundHeld_marks_the_refund_for_review_and_keeps_the_order_status()
    {
        var at = T0.AddMinutes(6);
        var refund = PendingRefund("r1", 10_000, new Split(1_511, 2_222, 6_267), T0.AddMinutes(5)) with { PlatformRefundRef = "PR-0" };
        var reason = new Failure(ErrorCodes.RefundDeclined, "The refund was declined.");
        var requested = SettledOrder().RefundRequested(refund, T0.AddMinutes(5));

        var order = requested.RefundHeld(refund, reason, platformRefundRef: null, at);

        Assert.Equal(OrderStatus.Settled, order.Status);
        Assert.Equal(refund with { Status = RefundStatus.ManualReview, Failure = reason }, order.Refund("r1"));
        Assert.Equal(new OrderHistoryEntry(at, OrderStatus.Settled, "refund r1 of 10000 fen held for manual review: The refund was declined."), order.History[^1]);
        Assert.Equal("PR-7", requested.RefundHeld(refund, reason, "PR-7", at).Refund("r1").PlatformRefundRef);
    }

    public static TheoryData<OrderStatus, string> IllegalMoves() => new()
    {
        { OrderStatus.Created, nameof(OrderState.Settled) },
        { OrderStatus.Created, nameof(OrderState.HeldForReview) },
        { OrderStatus.Paying, nameof(OrderState.Paying) },
        { OrderStatus.Paying, nameof(OrderState.Cancelled) },
        { OrderStatus.Paying, nameof(OrderState.Expired) },
        { OrderStatus.Settled, nameof(OrderState.Paying) },
        { OrderStatus.Settled, nameof(OrderState.Failed) },
        { OrderStatus.Settled, nameof(OrderState.Cancelled) },
        { OrderStatus.ManualReview, nameof(OrderState.HeldForReview) },
        { OrderStatus.ManualReview, nameof(OrderState.RefundSucceeded) },
        { OrderStatus.Failed, nameof(OrderState.Paying) },
        { OrderStatus.Failed, nameof(OrderState.Settled) },
        { OrderStatus.Failed, nameof(OrderState.RefundSucceeded) },
        { OrderStatus.Refunded, nameof(OrderState.RefundSucceeded) },
        { OrderStatus.Refunded, nameof(OrderState.Failed) },
        { OrderStatus.Cancelled, nameof(OrderState.Paying) },
        { OrderStatus.Cancelled, nameof(OrderState.Expired) },
        { OrderStatus.Expired, nameof(OrderState.Cancelled) },
        { OrderStatus.Expired, nameof(OrderState.Failed) },
    };

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void A_move_the_lifecycle_does_not_allow_throws_from_the_state(OrderStatus from, string transition)
    {
        var order = PayingOrder() with { Status = from };
        var refund = PendingRefund("r1", 100, new Split(0, 0, 100), T0);
        var failure = new Failure("x", "why");
        Func<OrderState> move = transition switch
        {
            nameof(OrderState.Paying) => () => order.Paying(Reserved, null, T0),
            nameof(OrderState.Settled) => () => order.Settled(Record(SettlementStatus.Succeeded, "P-1"), T0),
            nameof(OrderState.Failed) => () => order.Failed(failure, T0),
            nameof(OrderState.HeldForReview) => () => order.HeldForReview(failure, T0),
            nameof(OrderState.Cancelled) => () => order.Cancelled("why", T0),
            nameof(OrderState.Expired) => () => order.Expired("why", T0),
            nameof(OrderState.RefundSucceeded) => () => (order with { Refunds = [refund] }).RefundSucceeded(refund, "PR-1", T0),
            _ => throw new ArgumentOutOfRangeException(nameof(transition)),
        };

        var thrown = Assert.Throws<InvalidOperationException>(move);

        Assert.Contains($"from {from}", thrown.Message);
    }

    [Fact]
    public void The_same_outcome_twice_is_an_illegal_move()
    {
        var settled = SettledOrder();

        Assert.Throws<InvalidOperationException>(() => settled.Settled(Record(SettlementStatus.Succeeded, "P-1"), T0.AddMinutes(1)));
        Assert.Throws<InvalidOperationException>(() => NewOrder().Cancelled("a", T0).Cancelled("b", T0));
    }

    [Fact]
    public void A_transition_leaves_the_state_it_started_from_as_it_was()
    {
        var created = NewOrder();

        _ = created.Paying(Reserved, "hash-of-request", T0.AddSeconds(10));

        Assert.Equal(OrderStatus.Created, created.Status);
        Assert.Equal(T0, created.UpdatedAt);
        Assert.Single(created.History);
        Assert.Null(created.Split);
        Assert.Null(created.AuthCodeHash);
    }

    [Fact]
    public void A_notification_goes_into_the_outbox_pending_and_due_at_once()
    {
        var settled = SettledOrder();
        var notification = OutboxEvent.Pending("order-1:order.settled", "order.settled", "{}", settled.UpdatedAt);

        var order = settled.WithNotification(notification);

        Assert.False(settled.HasPendingNotification);
        Assert.True(order.HasPendingNotification);
        Assert.Same(notification, Assert.Single(order.Outbox));
        Assert.Equal(NotificationStatus.Pending, notification.Status);
        Assert.Equal((0, settled.UpdatedAt, settled.UpdatedAt), (notification.Attempts, notification.CreatedAt, notification.NextAttemptAt));
        Assert.Null(notification.DeliveredAt);
        Assert.Null(notification.LastError);
        Assert.Equal(settled.History, order.History);
    }

    [Fact]
    public void A_delivery_attempt_is_acknowledged_retried_or_final()
    {
        var pending = OutboxEvent.Pending("e1", "order.settled", "{}", T0);

        var delivered = pending.Unacknowledged("HTTP 500", maxAttempts: 3, T0.AddSeconds(10)).Acknowledged(T0.AddSeconds(11));
        Assert.Equal((NotificationStatus.Delivered, 2, T0.AddSeconds(11)), (delivered.Status, delivered.Attempts, delivered.DeliveredAt));
        Assert.Null(delivered.LastError);

        var retried = pending.Unacknowledged("HTTP 500", maxAttempts: 2, T0.AddSeconds(10));
        Assert.Equal((NotificationStatus.Pending, 1, T0.AddSeconds(10), "HTTP 500"), (retried.Status, retried.Attempts, retried.NextAttemptAt, retried.LastError));

        var final = retried.Unacknowledged("timeout", maxAttempts: 2, T0.AddSeconds(30));
        Assert.Equal((NotificationStatus.Failed, 2, T0.AddSeconds(10), "timeout"), (final.Status, final.Attempts, final.NextAttemptAt, final.LastError));

        var undeliverable = pending.Undeliverable("the merchant has no callback address");
        Assert.Equal((NotificationStatus.Failed, 0, "the merchant has no callback address"), (undeliverable.Status, undeliverable.Attempts, undeliverable.LastError));
    }

    [Fact]
    public void Delivery_attempts_replace_their_notifications_in_place()
    {
        var first = OutboxEvent.Pending("e1", "order.settled", "{}", T0);
        var second = OutboxEvent.Pending("e2", "order.refunded", "{}", T0.AddSeconds(1));
        var third = OutboxEvent.Pending("e3", "order.refunded", "{}", T0.AddSeconds(2));
        var order = SettledOrder().WithNotification(first).WithNotification(second).WithNotification(third);

        var attempted = order.WithDeliveryAttempts([third.Acknowledged(T0.AddSeconds(5)), first.Unacknowledged("HTTP 502", 5, T0.AddSeconds(9))]);

        Assert.Equal(new[] { "e1", "e2", "e3" }, attempted.Outbox.Select(e => e.EventId));
        Assert.Equal(new[] { NotificationStatus.Pending, NotificationStatus.Pending, NotificationStatus.Delivered }, attempted.Outbox.Select(e => e.Status));
        Assert.Equal("HTTP 502", attempted.Outbox[0].LastError);
        Assert.Same(second, attempted.Outbox[1]);
    }

    [Fact]
    public void Compaction_keeps_at_least_two_history_entries_and_one_delivery()
    {
        var clock = new FakeTimeProvider(T0);
        var order = SettledOrder();
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            var refund = PendingRefund($"r{i}", 100, new Split(0, 0, 100), clock.GetUtcNow());
            order = order.RefundRequested(refund, clock.GetUtcNow())
                .RefundSucceeded(refund, $"PR-{i}", clock.GetUtcNow())
                .WithNotification(OutboxEvent.Pending($"e{i}", "order.refunded", "{}", clock.GetUtcNow()).Acknowledged(clock.GetUtcNow()));
        }

        var compacted = OrderState.Compacted(order, deliveryLogSize: 0, maxHistory: 0);

        Assert.Equal(2, compacted.History.Count);
        Assert.Equal("created by merchant m1", compacted.History[0].Cause);
        Assert.Equal(order.History[^1], compacted.History[^1]);
        Assert.Equal(order.History.Count - 2, compacted.HistoryDropped);
        Assert.Empty(compacted.Outbox);
        Assert.Equal("e4", Assert.Single(compacted.Deliveries).EventId);
        Assert.Equal(4, compacted.DeliveriesDropped);
        Assert.Equal(5, compacted.Refunds.Count);
    }

    [Fact]
    public void Compaction_leaves_pending_notifications_in_the_outbox()
    {
        var pending = OutboxEvent.Pending("e1", "order.settled", "{}", T0);
        var order = SettledOrder().WithNotification(pending);

        Assert.Same(order, OrderState.Compacted(order, deliveryLogSize: 20, maxHistory: 64));
    }
}
