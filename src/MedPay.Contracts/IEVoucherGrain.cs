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
