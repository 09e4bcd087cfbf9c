using System.Collections.Immutable;
using System.Text;

namespace MedPay.Contracts;

[GenerateSerializer, Immutable, Alias("medpay.OrderItem")]
public sealed record OrderItem(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] ItemCategory Category,
    [property: Id(3)] long UnitPriceFen,
    [property: Id(4)] int Quantity);

[GenerateSerializer, Immutable, Alias("medpay.CreateOrderCommand")]
public sealed record CreateOrderCommand(
    [property: Id(0)] string MerchantId,
    [property: Id(1)] string MerchantOrderNo,
    [property: Id(2)] string UserId,
    [property: Id(3)] ImmutableArray<OrderItem> Items);

[GenerateSerializer, Immutable, Alias("medpay.PayOrderCommand")]
public sealed record PayOrderCommand(
    [property: Id(0), Secret] string AuthCode,
    [property: Id(1)] long? MaxCashFen,
    [property: Id(2)] string? PayerUserId = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"AuthCode = {Redacted.Text}, MaxCashFen = {MaxCashFen}, PayerUserId = {PayerUserId}");
        return true;
    }
}

/// <summary>One line of an order's audit trail.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderHistoryEntry")]
public sealed record OrderHistoryEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] OrderStatus Status,
    [property: Id(2)] string Cause);

[GenerateSerializer, Immutable, Alias("medpay.OrderView")]
public sealed record OrderView(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string MerchantId,
    [property: Id(2)] string MerchantOrderNo,
    [property: Id(3)] string UserId,
    [property: Id(4)] OrderStatus Status,
    [property: Id(5)] ImmutableArray<OrderItem> Items,
    [property: Id(6)] long TotalFen,
    [property: Id(7)] Split? Split,
    [property: Id(8)] string? SettlementId,
    [property: Id(9)] string? PlatformSettlementRef,
    [property: Id(10)] Failure? Failure,
    [property: Id(11)] ImmutableArray<OrderHistoryEntry> History,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset UpdatedAt,
    [property: Id(14)] ImmutableArray<RefundView> Refunds,
    [property: Id(15)] ImmutableArray<NotificationView> Notifications)
{
    /// <summary>How many of the oldest history entries (after the first) are no longer kept.</summary>
    [Id(16)] public int HistoryDropped { get; init; }

    /// <summary>How many of the oldest finished notifications are no longer kept.</summary>
    [Id(17)] public int NotificationsDropped { get; init; }

    /// <summary>What has been refunded so far, per bucket (succeeded refunds only).</summary>
    public Split Refunded => Refunds.Where(r => r.Status == RefundStatus.Succeeded).Aggregate(
        new Split(0, 0, 0), (sum, r) => new(sum.FundFen + r.Split.FundFen, sum.PersonalAccountFen + r.Split.PersonalAccountFen, sum.CashFen + r.Split.CashFen));
}

[GenerateSerializer, Immutable, Alias("medpay.CreateOrderResult")]
public sealed record CreateOrderResult(
    [property: Id(0)] OrderView Order,
    [property: Id(1)] bool Created);

/// <summary>The outcome of a payment request: settled, failed (with the failure), or still paying when the platform's answer is unknown.</summary>
[GenerateSerializer, Immutable, Alias("medpay.PaymentResult")]
public sealed record PaymentResult(
    [property: Id(0)] string OrderId,
    [property: Id(1)] OrderStatus Status,
    [property: Id(2)] string? SettlementId,
    [property: Id(3)] Split? Split,
    [property: Id(4)] string? PlatformSettlementRef,
    [property: Id(5)] Failure? Failure);
