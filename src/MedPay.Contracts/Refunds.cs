using System.Collections.Immutable;

namespace MedPay.Contracts;

[GenerateSerializer, Alias("medpay.RefundStatus")]
public enum RefundStatus
{
    Pending = 0,
    Succeeded = 1,
    /// <summary>
    /// No longer given to new refunds (a refusal of a refund of a settled payment goes to <see cref="ManualReview"/>);
    /// kept for refunds recorded before. A failed refund's amount is free to refund again.
    /// </summary>
    Failed = 2,
    /// <summary>
    /// A person must settle it: the platform or the cash channel refused it, or its outcome stayed unknown too long.
    /// Its reason is in <see cref="RefundView.Failure"/>. Nothing drives it any more, and its amount still counts as
    /// refunded-or-owed, so no later refund can exceed what was paid.
    /// </summary>
    ManualReview = 3,
}

[GenerateSerializer, Immutable, Alias("medpay.RefundCommand")]
public sealed record RefundCommand(
    [property: Id(0)] string RefundId,
    [property: Id(1)] long AmountFen,
    [property: Id(2)] string Reason);

/// <summary>One refund of an order, with how it was split back (fund, personal account, cash).</summary>
[GenerateSerializer, Immutable, Alias("medpay.RefundView")]
public sealed record RefundView(
    [property: Id(0)] string RefundId,
    [property: Id(1)] long AmountFen,
    [property: Id(2)] string Reason,
    [property: Id(3)] RefundStatus Status,
    [property: Id(4)] Split Split,
    [property: Id(5)] string RefundSettlementId,
    [property: Id(6)] string? PlatformRefundRef,
    [property: Id(7)] Failure? Failure,
    [property: Id(8)] DateTimeOffset RequestedAt,
    [property: Id(9)] DateTimeOffset? CompletedAt);

/// <summary>A refund exchange with the platform (fund + personal account) and the cash channel (cash).</summary>
[GenerateSerializer, Immutable, Alias("medpay.RefundRequest")]
public sealed record RefundRequest(
    [property: Id(0)] string RefundSettlementId,
    [property: Id(1)] string OriginalSettlementId,
    [property: Id(2)] string OrderId,
    [property: Id(3)] string RefundId,
    [property: Id(4)] Split Split);

[GenerateSerializer, Immutable, Alias("medpay.RefundRecord")]
public sealed record RefundRecord(
    [property: Id(0)] string RefundSettlementId,
    [property: Id(1)] SettlementStatus Status,
    [property: Id(2)] RefundRequest Request,
    [property: Id(3)] string? PlatformRef,
    [property: Id(4)] string? CashRef,
    [property: Id(5)] Failure? Failure,
    [property: Id(6)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Alias("medpay.NotificationStatus")]
public enum NotificationStatus
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>One result notification to the merchant's callback address, and how its delivery went.</summary>
[GenerateSerializer, Immutable, Alias("medpay.NotificationView")]
public sealed record NotificationView(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] NotificationStatus Status,
    [property: Id(3)] int Attempts,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? DeliveredAt,
    [property: Id(6)] string? LastError);
