using Orleans.Concurrency;

namespace MedPay.Contracts;

/// <summary>One user's e-voucher, keyed by user id: identity binding, status, consents, personal account and reservations.</summary>
public interface IEVoucherGrain : IGrainWithStringKey
{
    Task<Result<OpenVoucherResult>> OpenAsync(OpenVoucherCommand command);

    [AlwaysInterleave]
    Task<Result<VoucherView>> GetAsync();

    Task<Result<AuthorizationGrant>> AuthorizeAsync(AuthorizeCommand command);

    /// <summary>Checks and consumes the authorization, computes the split and reserves the personal-account part. Idempotent per order id.</summary>
    Task<Result<Reservation>> ReserveAsync(ReserveCommand command);

    /// <summary>The reservation held for the order, if any (not one already committed or released).</summary>
    [AlwaysInterleave]
    Task<Reservation?> HeldReservationAsync(string orderId);

    /// <summary>Makes the reservation final: debits the balance and the year's accumulators. Idempotent per order id.</summary>
    Task CommitAsync(string orderId);

    /// <summary>Drops the reservation. Idempotent per order id; a committed order is not touched.</summary>
    Task ReleaseAsync(string orderId);

    Task<Result<VoucherView>> SetStatusAsync(VoucherStatus status, string reason);

    /// <summary>Credits a refund's personal-account part back (and its fund part off the year's total). Idempotent per refund.</summary>
    Task CreditRefundAsync(string orderId, string refundId, Split split);
}

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

    /// <summary>Asked by the voucher about a reservation held too long: finish the payment, or give the reservation back.</summary>
    [OneWay]
    Task ReconcileAsync();
}

/// <summary>One settlement exchange with the platform, keyed by settlement id. Idempotent: a repeat returns the recorded outcome.</summary>
public interface IPaymentGatewayGrain : IGrainWithStringKey
{
    /// <param name="mayHaveSent">
    /// False only on the first attempt right after the order recorded its intent; then no earlier request can exist and
    /// the gateway need not write an intent of its own. True on every resume: the gateway asks the platform before it sends.
    /// </param>
    Task<SettlementRecord> SettleAsync(SettlementRequest request, bool mayHaveSent);

    [AlwaysInterleave]
    Task<SettlementRecord?> GetAsync();

    /// <summary>One refund exchange (this grain keyed by the refund's settlement id). Idempotent like settlement.</summary>
    Task<RefundRecord> RefundAsync(RefundRequest request);

    [AlwaysInterleave]
    Task<RefundRecord?> GetRefundAsync();
}

/// <summary>What user ids, merchant ids and merchant order numbers look like; they become grain and storage keys.</summary>
public static class Ids
{
    public const int MaxLength = 64;

    /// <summary>1 to 64 of [A-Za-z0-9_-]; merchant order numbers may also contain dots.</summary>
    public static bool IsValid(string? value, bool allowDot = false) =>
        value is { Length: > 0 and <= MaxLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' || (allowDot && c == '.'));
}

/// <summary>How order ids are built: merchant id and merchant order number, joined by a character neither may contain.</summary>
public static class OrderIds
{
    public const char Separator = '~';

    public static string For(string merchantId, string merchantOrderNo) => $"{merchantId}{Separator}{merchantOrderNo}";

    public static bool TryParse(string orderId, out string merchantId, out string merchantOrderNo)
    {
        var at = orderId.IndexOf(Separator);
        merchantId = at > 0 ? orderId[..at] : "";
        merchantOrderNo = at > 0 ? orderId[(at + 1)..] : "";
        return Ids.IsValid(merchantId) && Ids.IsValid(merchantOrderNo, allowDot: true);
    }
}

/// <summary>Answers when the cluster is up and its grain storage can be read; used by the readiness probe.</summary>
public interface IHealthGrain : IGrainWithIntegerKey
{
    Task CheckAsync();
}
