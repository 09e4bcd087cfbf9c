using Orleans.Concurrency;

namespace MedPay.Contracts;

/// <summary>A medical service order, keyed by <c>{merchantId}~{merchantOrderNo}</c>: the coordinator of its payment.</summary>
public interface IMedicalOrderGrain : IGrainWithStringKey
{
    Task<Result<CreateOrderResult>> CreateAsync(CreateOrderCommand command);

    [AlwaysInterleave]
    Task<Result<OrderView>> GetAsync();

    Task<Result<PaymentResult>> PayAsync(PayOrderCommand command);

    /// <summary>Refunds part or all of a paid order. Idempotent by refund id.</summary>
    Task<Result<RefundView>> RefundAsync(RefundCommand command);

    /// <summary>Cancels an unpaid order. Cancelling a cancelled order returns it.</summary>
    Task<Result<OrderView>> CancelAsync(string reason);

    /// <summary>Asked by the sweep of the merchant's index: expire the order if it is still unpaid past its time.</summary>
    [OneWay]
    Task ExpireIfUnpaidAsync();

    /// <summary>
    /// Asked by the sweep of the merchant's index: expires the order if it is still unpaid past its time, and answers the
    /// status it is in afterwards (null: no such order). Any status but created is final for the sweep: an order never
    /// goes back to created, so its line need not be asked again.
    /// </summary>
    Task<OrderStatus?> ExpireIfDueAsync();

    /// <summary>
    /// The order's listing line as it is durably now: its status, split, refunded amount and last change. Listings read it
    /// live, since the indexes keep only what is fixed at creation. Null for an order that does not exist.
    /// </summary>
    [AlwaysInterleave]
    Task<OrderSummary?> GetSummaryAsync();

    /// <summary>
    /// The record of the order's settlement exchange with the platform and the cash channel, kept in the order's own
    /// state since it is written with the outcome (durably now; null if the order never reached the platform, or was paid
    /// before orders kept it: then the payment-gateway grain keyed by the settlement id holds it).
    /// </summary>
    [AlwaysInterleave]
    Task<SettlementRecord?> GetSettlementAsync();

    /// <summary>Asked by the voucher about a reservation held too long: finish the payment, or give the reservation back.</summary>
    [OneWay]
    Task ReconcileAsync();

    /// <summary>An order in manual review, with what the platform and the cash channel say of its settlement now.</summary>
    [Alias("InspectReview")]
    Task<Result<ReviewCase>> InspectReviewAsync();

    /// <summary>
    /// An operator's decision for an order in manual review, checked against the platform asked again now: settle only
    /// what the platform holds as settled, fail only what nothing stands for. Idempotent: the same decision again
    /// answers the order as it is.
    /// </summary>
    [Alias("ResolveReview")]
    Task<Result<OrderView>> ResolveReviewAsync(ResolveReviewCommand command);

    /// <summary>Re-sends the order's notifications now: those pending at once, and its current status as a new event.</summary>
    [Alias("ResendNotifications")]
    Task<Result<OrderView>> ResendNotificationsAsync();
}
