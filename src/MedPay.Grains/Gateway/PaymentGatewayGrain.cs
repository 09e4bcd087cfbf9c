using MedPay.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.GatewayState")]
public sealed record GatewayState
{
    /// <summary>A settlement's record, as written before orders kept it themselves; read for those orders only.</summary>
    [Id(0)] public SettlementRecord? Record { get; init; }
    [Id(1)] public RefundRecord? Refund { get; init; }
}

/// <summary>
/// One refund exchange, keyed by the refund's settlement id. It writes its intent before the first external call and its
/// outcome after; the exchange itself (<see cref="PlatformExchange"/>) sends at most once. Settlements no longer pass
/// through here: the order keeps its settlement's record in the same write as the outcome; this grain still answers
/// the records it wrote for orders paid before that.
/// </summary>
public sealed class PaymentGatewayGrain(
    [PersistentState("settlement", MedPayGrainServices.StorageName)] IPersistentState<GatewayState> state,
    PlatformExchange exchange,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IPaymentFlowHooks hooks,
    ILogger<PaymentGatewayGrain> logger) : Grain, IPaymentGatewayGrain
{
    public Task<SettlementRecord?> GetAsync() => Task.FromResult(state.State.Record);

    public Task<RefundRecord?> GetRefundAsync() => Task.FromResult(state.State.Refund);

    public Task<RefundRecord> RefundAsync(RefundRequest request) => state.DecideAsync(() => RefundOnceAsync(request));

    private async Task<RefundRecord> RefundOnceAsync(RefundRequest request)
    {
        var record = state.State.Refund;
        if (record is not null && record.Request != request)
        {
            throw new InvalidOperationException($"Refund {request.RefundSettlementId} was started with another request.");
        }

        if (record is { Status: SettlementStatus.Succeeded or SettlementStatus.Declined })
        {
            return record;
        }

        var resumed = record is not null;
        record ??= new RefundRecord(request.RefundSettlementId, SettlementStatus.Pending, request, null, null, null, time.GetUtcNow());
        if (!resumed)
        {
            await state.SaveAsync(state.State with { Refund = record }, this);
        }

        await hooks.AtAsync(FlowStep.AfterRefundIntent, request.OrderId);
        record = await exchange.RefundAsync(record, resumed);
        await state.SaveAsync(state.State with { Refund = record with { UpdatedAt = time.GetUtcNow() } }, this);
        logger.LogInformation("Refund {RefundSettlementId} is {Status}", request.RefundSettlementId, record.Status);
        return state.State.Refund!;
    }
}
