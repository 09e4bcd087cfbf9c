using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.Grains;

/// <summary>A result notification waiting in the order's outbox, written in the same state write as the outcome it reports.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OutboxEvent")]
public sealed record OutboxEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Body,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] NotificationStatus Status,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset NextAttemptAt,
    [property: Id(7)] DateTimeOffset? DeliveredAt,
    [property: Id(8)] string? LastError)
{
    /// <summary>A notification not yet attempted, due at once.</summary>
    public static OutboxEvent Pending(string eventId, string type, string body, DateTimeOffset now) =>
        new(eventId, type, body, now, NotificationStatus.Pending, 0, now, null, null);

    /// <summary>The merchant acknowledged it.</summary>
    public OutboxEvent Acknowledged(DateTimeOffset at) =>
        this with { Status = NotificationStatus.Delivered, Attempts = Attempts + 1, DeliveredAt = at, LastError = null };

    /// <summary>An attempt the merchant did not acknowledge: retried at <paramref name="retryAt"/>, or failed once it was the last of <paramref name="maxAttempts"/>.</summary>
    public OutboxEvent Unacknowledged(string? error, int maxAttempts, DateTimeOffset retryAt)
    {
        var attempts = Attempts + 1;
        return attempts >= maxAttempts
            ? this with { Status = NotificationStatus.Failed, Attempts = attempts, LastError = error }
            : this with { Attempts = attempts, LastError = error, NextAttemptAt = retryAt };
    }

    /// <summary>It cannot be sent at all (no merchant, no callback address): failed without an attempt.</summary>
    public OutboxEvent Undeliverable(string error) => this with { Status = NotificationStatus.Failed, LastError = error };

    /// <summary>How its delivery went, without its body: what views show and the order's delivery log keeps.</summary>
    public NotificationView View() => new(EventId, Type, Status, Attempts, CreatedAt, DeliveredAt, LastError);
}

/// <summary>
/// One order as stored. Its transitions are the named methods below: each returns the next state, with the history
/// entry that says why, and throws for a move the order's lifecycle (<see cref="OrderTransitions"/>) does not allow.
/// They are pure: the grain passes the time and whatever else they need.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderState")]
public sealed record OrderState
{
    [Id(0)] public CreateOrderCommand? Command { get; init; }
    [Id(1)] public OrderStatus Status { get; init; }
    [Id(2)] public long TotalFen { get; init; }
    [Id(3)] public Split? Split { get; init; }
    [Id(4)] public string? SettlementId { get; init; }
    [Id(5)] public string? PlatformSettlementRef { get; init; }
    [Id(6)] public Failure? Failure { get; init; }
    [Id(7)] public ImmutableList<OrderHistoryEntry> History { get; init; } = [];
    [Id(8)] public DateTimeOffset CreatedAt { get; init; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(10)] public string? VoucherNo { get; init; }
    [Id(11)] public string? InsuredRegion { get; init; }
    /// <summary>The hash of the authorization code that paid (or tried to pay): a repeat with it gets the same answer.</summary>
    [Id(12)] public string? AuthCodeHash { get; init; }
    [Id(13)] public DateTimeOffset? PayingSince { get; init; }
    [Id(14)] public ImmutableList<RefundView> Refunds { get; init; } = [];
    [Id(15)] public ImmutableList<OutboxEvent> Outbox { get; init; } = [];
    /// <summary>The segment of its merchant's daily index shard that holds this order's line; null for orders from before segments.</summary>
    [Id(16)] public int? IndexSegment { get; init; }
    /// <summary>The segment of its user's index that holds this order's line; null for orders from before user segments.</summary>
    [Id(17)] public int? UserIndexSegment { get; init; }
    /// <summary>Finished notifications, newest last, at most <see cref="NotificationOptions.DeliveryLogSize"/>; the outbox keeps only pending ones.</summary>
    [Id(18)] public ImmutableList<NotificationView> Deliveries { get; init; } = [];
    /// <summary>Finished notifications dropped from <see cref="Deliveries"/> (the oldest first).</summary>
    [Id(19)] public int DeliveriesDropped { get; init; }
    /// <summary>History entries dropped to keep <see cref="History"/> at <see cref="OrderOptions.MaxHistoryEntries"/> (the first entry is always kept).</summary>
    [Id(20)] public int HistoryDropped { get; init; }
    /// <summary>
    /// The settlement exchange's record (platform and cash references, calls sent), written with the outcome, or with
    /// "paying" when the outcome is unknown, so that a resume carries on from it. Null for orders paid before orders kept it.
    /// </summary>
    [Id(21)] public SettlementRecord? Settlement { get; init; }

    /// <summary>In manual review and known to the review queue (<see cref="IReviewQueueGrain"/>); until then the order's reminder keeps adding it.</summary>
    [Id(22)] public bool ReviewQueued { get; init; }

    /// <summary>In manual review and not yet in the review queue: open work.</summary>
    public bool NeedsQueueing => Status == OrderStatus.ManualReview && !ReviewQueued;

    /// <summary>A new order, listed in the given segments of its merchant's daily shard and of its user's index.</summary>
    public static OrderState Created(CreateOrderCommand command, long totalFen, DateTimeOffset now, int? merchantSegment, int? userSegment) => new()
    {
        IndexSegment = merchantSegment,
        UserIndexSegment = userSegment,
        Command = command,
        Status = OrderStatus.Created,
        TotalFen = totalFen,
        History = [new(now, OrderStatus.Created, $"created by merchant {command.MerchantId}")],
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>
    /// Paying with the voucher's <paramref name="reservation"/>: its settlement id and split. The consent that paid is
    /// kept (<paramref name="authCodeHash"/>, else the reservation's, else the one already kept), so that a repeat with
    /// it gets the same answer, also when a crash's recovery finished the payment.
    /// </summary>
    public OrderState Paying(Reservation reservation, string? authCodeHash, DateTimeOffset now) =>
        Moved(
            OrderStatus.Paying,
            $"settlement {reservation.SettlementId}: fund {reservation.Split.FundFen}, personal account {reservation.Split.PersonalAccountFen}, cash {reservation.Split.CashFen} fen",
            now) with
        {
            Split = reservation.Split,
            SettlementId = reservation.SettlementId,
            VoucherNo = reservation.VoucherNo,
            InsuredRegion = reservation.InsuredRegion,
            AuthCodeHash = authCodeHash ?? reservation.AuthCodeHash ?? AuthCodeHash,
            PayingSince = reservation.ReservedAt,
        };

    /// <summary>The settlement exchange's record kept with the order (no history entry): written with the outcome, or with "paying".</summary>
    public OrderState WithSettlement(SettlementRecord record) => this with { Settlement = record };

    /// <summary>Settled at the platform under the record's reference.</summary>
    public OrderState Settled(SettlementRecord record, DateTimeOffset now) =>
        Moved(OrderStatus.Settled, $"settled at the platform as {record.PlatformRef}", now) with { PlatformSettlementRef = record.PlatformRef };

    /// <summary>
    /// The payment failed for <paramref name="failure"/> (declined, or not enough balance); final. With the hash of the
    /// consent that tried, when the order had not kept one yet.
    /// </summary>
    public OrderState Failed(Failure failure, DateTimeOffset now, string? authCodeHash = null) =>
        Moved(OrderStatus.Failed, failure.Message, now) with { Failure = failure, AuthCodeHash = authCodeHash ?? AuthCodeHash };

    /// <summary>
    /// Held for a person to decide, for <paramref name="failure"/>: amounts reported back that disagree (with the
    /// platform's reference, <paramref name="platformSettlementRef"/>), or an outcome unknown for too long.
    /// </summary>
    public OrderState HeldForReview(Failure failure, DateTimeOffset now, string? platformSettlementRef = null) =>
        Moved(OrderStatus.ManualReview, failure.Message, now) with { Failure = failure, PlatformSettlementRef = platformSettlementRef ?? PlatformSettlementRef, ReviewQueued = false };

    /// <summary>In the review queue now.</summary>
    public OrderState Queued() => this with { ReviewQueued = true };

    /// <summary>Settled by a person's decision, after the platform confirmed it holds the settlement with <paramref name="answer"/>.</summary>
    public OrderState SettledOnReview(PlatformAnswer answer, string by, string reason, DateTimeOffset now) =>
        Moved(OrderStatus.Settled, $"settled on review by {by}: the platform holds {answer.SettlementId} as {answer.PlatformRef ?? answer.CashRef}; {reason}", now) with
        {
            PlatformSettlementRef = answer.PlatformRef ?? PlatformSettlementRef,
            Failure = null,
            ReviewQueued = false,
            Settlement = Settlement is null ? null : Settlement with { Status = SettlementStatus.Succeeded, PlatformRef = answer.PlatformRef ?? Settlement.PlatformRef, CashRef = answer.CashRef ?? Settlement.CashRef, Failure = null, UpdatedAt = now },
        };

    /// <summary>Failed by a person's decision, after the platform confirmed nothing stands for the settlement.</summary>
    public OrderState FailedOnReview(PlatformAnswer answer, string by, string reason, DateTimeOffset now) =>
        Moved(OrderStatus.Failed, $"failed on review by {by}: the platform says {answer.PlatformStatus}, the cash channel {answer.CashStatus}; {reason}", now) with
        {
            Failure = new(ErrorCodes.PlatformDeclined, $"Failed on review: nothing stands at the platform for {answer.SettlementId}."),
            ReviewQueued = false,
            Settlement = Settlement is null ? null : Settlement with { Status = SettlementStatus.Declined, UpdatedAt = now },
        };

    /// <summary>Cancelled unpaid, at the merchant's request.</summary>
    public OrderState Cancelled(string reason, DateTimeOffset now) => Moved(OrderStatus.Cancelled, $"cancelled: {reason}", now);

    /// <summary>Expired unpaid.</summary>
    public OrderState Expired(string reason, DateTimeOffset now) => Moved(OrderStatus.Expired, $"expired: {reason}", now);

    /// <summary>A refund requested and pending; the order keeps its status.</summary>
    public OrderState RefundRequested(RefundView refund, DateTimeOffset now) =>
        Noted($"refund {refund.RefundId} of {refund.AmountFen} fen requested: {refund.Reason}", now) with { Refunds = Refunds.Add(refund) };

    /// <summary>
    /// The pending <paramref name="refund"/> succeeded under <paramref name="platformRefundRef"/>: the order is refunded
    /// once its refunds add up to what was paid, partially refunded before.
    /// </summary>
    public OrderState RefundSucceeded(RefundView refund, string? platformRefundRef, DateTimeOffset now)
    {
        var done = refund with { Status = RefundStatus.Succeeded, PlatformRefundRef = platformRefundRef, CompletedAt = now };
        var refundedAll = Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.AmountFen) + refund.AmountFen == Split!.TotalFen;
        return Moved(
            refundedAll ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded,
            $"refund {refund.RefundId} of {refund.AmountFen} fen: fund {refund.Split.FundFen}, personal account {refund.Split.PersonalAccountFen}, cash {refund.Split.CashFen}",
            now) with
        {
            Refunds = WithRefund(done),
        };
    }

    /// <summary>
    /// The <paramref name="refund"/> held for manual review for <paramref name="reason"/>, with the platform's reference
    /// when it has one. The order keeps its status; its amount still counts against what is left to refund.
    /// </summary>
    public OrderState RefundHeld(RefundView refund, Failure reason, string? platformRefundRef, DateTimeOffset now)
    {
        var held = refund with { Status = RefundStatus.ManualReview, Failure = reason, PlatformRefundRef = platformRefundRef ?? refund.PlatformRefundRef };
        return Noted($"refund {refund.RefundId} of {refund.AmountFen} fen held for manual review: {reason.Message}", now) with { Refunds = WithRefund(held) };
    }

    /// <summary>The refund with id <paramref name="refundId"/>.</summary>
    public RefundView Refund(string refundId) => Refunds.Find(r => r.RefundId == refundId)!;

    /// <summary>The notification of an outcome, in the outbox, written with it.</summary>
    public OrderState WithNotification(OutboxEvent notification) => this with { Outbox = Outbox.Add(notification) };

    /// <summary>The outbox with each of <paramref name="attempted"/> in place of the notification it was (same event id).</summary>
    public OrderState WithDeliveryAttempts(IEnumerable<OutboxEvent> attempted) => this with
    {
        Outbox = attempted.Aggregate(Outbox, (outbox, a) => outbox.Replace(outbox.Find(e => e.EventId == a.EventId)!, a)),
    };

    /// <summary>Whether a notification is still waiting to be delivered; a new one waits behind it, to keep the order of events.</summary>
    public bool HasPendingNotification => Outbox.Any(e => e.Status == NotificationStatus.Pending);

    /// <summary>
    /// Keeps an order's state bounded: finished notifications leave the outbox (and their bodies) for the delivery log,
    /// which keeps the last <paramref name="deliveryLogSize"/>; the history keeps its first entry and the latest ones, at
    /// most <paramref name="maxHistory"/>. What is dropped is counted. With refunds capped, every list is bounded.
    /// </summary>
    public static OrderState Compacted(OrderState s, int deliveryLogSize, int maxHistory)
    {
        var finished = s.Outbox.Where(e => e.Status != NotificationStatus.Pending).ToList();
        var deliveries = s.Deliveries;
        var outbox = s.Outbox;
        if (finished.Count > 0)
        {
            deliveries = deliveries.AddRange(finished.Select(e => e.View()));
            outbox = outbox.RemoveAll(e => e.Status != NotificationStatus.Pending);
        }

        var keep = Math.Max(1, deliveryLogSize);
        var droppedDeliveries = Math.Max(0, deliveries.Count - keep);
        var history = s.History;
        var historyCap = Math.Max(2, maxHistory);
        var droppedHistory = Math.Max(0, history.Count - historyCap);
        if (finished.Count == 0 && droppedDeliveries == 0 && droppedHistory == 0)
        {
            return s;
        }

        return s with
        {
            Outbox = outbox,
            Deliveries = droppedDeliveries > 0 ? deliveries.RemoveRange(0, droppedDeliveries) : deliveries,
            DeliveriesDropped = s.DeliveriesDropped + droppedDeliveries,
            History = droppedHistory > 0 ? history.RemoveRange(1, droppedHistory) : history,
            HistoryDropped = s.HistoryDropped + droppedHistory,
        };
    }

    /// <summary>Moved to <paramref name="to"/> with the history entry; throws for a move the lifecycle does not allow.</summary>
    private OrderState Moved(OrderStatus to, string cause, DateTimeOffset now)
    {
        OrderTransitions.EnsureCanMove(Status, to);
        return WithEntry(to, cause, now);
    }

    /// <summary>A history entry in the status the order is in.</summary>
    private OrderState Noted(string cause, DateTimeOffset now) => WithEntry(Status, cause, now);

    /// <summary>In <paramref name="status"/>, with the history entry that says why.</summary>
    private OrderState WithEntry(OrderStatus status, string cause, DateTimeOffset now) => this with
    {
        Status = status,
        UpdatedAt = now,
        History = History.Add(new(now, status, cause)),
    };

    private ImmutableList<RefundView> WithRefund(RefundView refund) => Refunds.Replace(Refund(refund.RefundId), refund);
}
