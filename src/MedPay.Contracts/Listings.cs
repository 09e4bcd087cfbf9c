using System.Collections.Immutable;

namespace MedPay.Contracts;

/// <summary>
/// One line of an order listing. The per-user and per-merchant indexes keep it as it was at creation (written once, then
/// never again); a listing answers it with the status, split, refunded amount and update time read live from the order.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderSummary")]
public sealed record OrderSummary(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string MerchantId,
    [property: Id(2)] string MerchantOrderNo,
    [property: Id(3)] string UserId,
    [property: Id(4)] OrderStatus Status,
    [property: Id(5)] long TotalFen,
    [property: Id(6)] Split? Split,
    [property: Id(7)] long RefundedFen,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("medpay.OrderPage")]
public sealed record OrderPage(
    [property: Id(0)] ImmutableArray<OrderSummary> Orders,
    [property: Id(1)] string? NextPageToken);

public static class OrderIndexKeys
{
    public const int MerchantShards = 32;

    public static string User(string userId) => $"user|{userId}";

    public static string MerchantDay(string merchantId, DateOnly day, int shard) => $"merchant|{merchantId}|{day:yyyy-MM-dd}|{shard}";

    /// <summary>One segment of a merchant-day shard or of a user's index (<paramref name="shardKey"/> is its <see cref="MerchantDay"/> or <see cref="User"/> key).</summary>
    public static string Segment(string shardKey, int segment) => $"{shardKey}|{segment}";

    /// <summary>Whether the key is a merchant-day shard, which hands out segments (and not a segment or a user's index).</summary>
    public static bool IsMerchantShard(string key) => key.StartsWith("merchant|", StringComparison.Ordinal) && key.Count(c => c == '|') == 3;

    /// <summary>Whether the key is a user's index (its root, not one of its segments).</summary>
    public static bool IsUserIndex(string key) => key.StartsWith("user|", StringComparison.Ordinal) && key.Count(c => c == '|') == 1;

    /// <summary>Whether the index hands its new orders out to segments (<see cref="Segment"/> works on both kinds of key).</summary>
    public static bool HandsOutSegments(string key) => IsMerchantShard(key) || IsUserIndex(key);

    /// <summary>A stable shard for an order id (not string.GetHashCode, which differs between processes).</summary>
    public static int ShardOf(string orderId)
    {
        var hash = 2166136261u;
        foreach (var c in orderId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % MerchantShards);
    }
}

/// <summary>
/// A merchant's daily statement, checked order by order against the payment-gateway records and, in
/// <see cref="Platform"/>, against the insurance platform's own statement (null: built without the platform check).
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.Reconciliation")]
public sealed record Reconciliation(
    [property: Id(0)] string MerchantId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int SettledCount,
    [property: Id(3)] Split Settled,
    [property: Id(4)] int RefundCount,
    [property: Id(5)] Split Refunded,
    [property: Id(6)] ImmutableArray<ReconciliationMismatch> Mismatches,
    [property: Id(7)] PlatformCheck? Platform = null)
{
    public long SettledTotalFen => Settled.TotalFen;

    public long RefundedTotalFen => Refunded.TotalFen;
}

/// <summary>
/// One disagreement between an order, the gateway's record of it and, for a difference with the platform's statement,
/// the platform's line (<see cref="Platform"/>; null for a difference inside MedPay).
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.ReconciliationMismatch")]
public sealed record ReconciliationMismatch(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string What,
    [property: Id(2)] string Order,
    [property: Id(3)] string Gateway,
    [property: Id(4)] string? Platform = null);

/// <summary>A count and the insured parts (pooled fund, personal account) of settlements or refunds, in fen.</summary>
[GenerateSerializer, Immutable, Alias("medpay.StatementTotals")]
public sealed record StatementTotals(
    [property: Id(0)] int Count,
    [property: Id(1)] long FundFen,
    [property: Id(2)] long PersonalAccountFen)
{
    public static readonly StatementTotals Zero = new(0, 0, 0);

    public StatementTotals Add(long fundFen, long personalAccountFen) => new(Count + 1, FundFen + fundFen, PersonalAccountFen + personalAccountFen);

    public StatementTotals Add(StatementTotals other) => new(Count + other.Count, FundFen + other.FundFen, PersonalAccountFen + other.PersonalAccountFen);
}

/// <summary>
/// The check against the insurance platform's own statement (3201/3202): MedPay's totals and the platform's for the same
/// settlements and refunds. <see cref="Unavailable"/> says why the platform's statement could not be read (then the
/// platform's totals are null and no platform difference is listed: not checked, not "no difference").
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.PlatformCheck")]
public sealed record PlatformCheck(
    [property: Id(0)] string? Unavailable,
    [property: Id(1)] StatementTotals MedPaySettled,
    [property: Id(2)] StatementTotals? PlatformSettled,
    [property: Id(3)] StatementTotals MedPayRefunded,
    [property: Id(4)] StatementTotals? PlatformRefunded)
{
    public bool Checked => Unavailable is null;
}

/// <summary>
/// The operators' daily check of the platform's whole statement of a day against MedPay's records of every merchant:
/// <see cref="Check"/> sums the merchants' checks, <see cref="StatedSettled"/> and <see cref="StatedRefunded"/> are the
/// totals the platform states for the whole day (null when it could not be read).
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.PlatformDayReconciliation")]
public sealed record PlatformDayReconciliation(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] int MerchantCount,
    [property: Id(2)] PlatformCheck Check,
    [property: Id(3)] StatementTotals? StatedSettled,
    [property: Id(4)] StatementTotals? StatedRefunded,
    [property: Id(5)] ImmutableArray<ReconciliationMismatch> Mismatches);
