using Orleans.Concurrency;

namespace MedPay.Contracts;

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
