using Orleans.Concurrency;

namespace MedPay.Contracts;

/// <summary>
/// One refund exchange with the platform and the cash channel, keyed by the refund's settlement id. Idempotent: a repeat
/// returns the recorded outcome. Settlement records are kept by the orders; this grain answers those it wrote before.
/// </summary>
public interface IPaymentGatewayGrain : IGrainWithStringKey
{
    /// <summary>The settlement record this grain wrote for an order paid before orders kept their own; null for any other.</summary>
    [AlwaysInterleave]
    Task<SettlementRecord?> GetAsync();

    /// <summary>One refund exchange (this grain keyed by the refund's settlement id). Idempotent like settlement.</summary>
    Task<RefundRecord> RefundAsync(RefundRequest request);

    [AlwaysInterleave]
    Task<RefundRecord?> GetRefundAsync();
}
