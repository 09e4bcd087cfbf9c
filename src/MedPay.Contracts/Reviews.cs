namespace MedPay.Contracts;

/// <summary>What an operator decides for an order held in manual review: settle it, or fail it.</summary>
[GenerateSerializer, Alias("medpay.ReviewDecision")]
public enum ReviewDecision
{
    Settle = 0,
    Fail = 1,
}

/// <summary>An operator's decision, with their account and reason (kept in the order's history).</summary>
[GenerateSerializer, Immutable, Alias("medpay.ResolveReviewCommand")]
public sealed record ResolveReviewCommand(
    [property: Id(0)] ReviewDecision Decision,
    [property: Id(1)] string Operator,
    [property: Id(2)] string Reason);

/// <summary>
/// What the insurance platform and the cash channel say now of an order's settlement, asked by its id. A status is
/// <c>settled</c>, <c>not_found</c>, <c>reversed</c>, <c>declined</c>, <c>unknown</c> (not reachable, or no answer in
/// time) or <c>not_needed</c> (no cash part).
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.PlatformAnswer")]
public sealed record PlatformAnswer(
    [property: Id(0)] string SettlementId,
    [property: Id(1)] string PlatformStatus,
    [property: Id(2)] long FundFen,
    [property: Id(3)] long PersonalAccountFen,
    [property: Id(4)] string? PlatformRef,
    [property: Id(5)] string CashStatus,
    [property: Id(6)] long CashFen,
    [property: Id(7)] string? CashRef,
    [property: Id(8)] DateTimeOffset AskedAt);

/// <summary>An order in review beside the platform's answer, and the one decision that answer allows (null: none yet).</summary>
[GenerateSerializer, Immutable, Alias("medpay.ReviewCase")]
public sealed record ReviewCase(
    [property: Id(0)] OrderView Order,
    [property: Id(1)] PlatformAnswer Platform,
    [property: Id(2)] ReviewDecision? Allowed,
    [property: Id(3)] string Explanation);

/// <summary>One order in the review queue.</summary>
[GenerateSerializer, Immutable, Alias("medpay.ReviewEntry")]
public sealed record ReviewEntry(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string MerchantId,
    [property: Id(2)] long TotalFen,
    [property: Id(3)] DateTimeOffset Since,
    [property: Id(4)] string Code,
    [property: Id(5)] string Reason);

/// <summary>
/// The orders in manual review across merchants, oldest first (a singleton, key 0). An order adds itself when it is
/// held and removes itself when a person resolves it; both are idempotent by order id.
/// </summary>
[Alias("medpay.IReviewQueueGrain")]
public interface IReviewQueueGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    Task AddAsync(ReviewEntry entry);

    [Alias("Remove")]
    Task RemoveAsync(string orderId);

    [Alias("List")]
    Task<IReadOnlyList<ReviewEntry>> ListAsync(int max);
}
