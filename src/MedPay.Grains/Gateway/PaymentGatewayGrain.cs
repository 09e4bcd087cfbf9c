using MedPay.Contracts;
using MedPay.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.GatewayState")]
public sealed record GatewayState
{
    [Id(0)] public SettlementRecord? Record { get; init; }
    [Id(1)] public RefundRecord? Refund { get; init; }
}

/// <summary>
/// One settlement exchange, keyed by settlement id. It writes its intent before the first external call; a timeout is
/// never taken as a failure: the platform is asked by settlement id, and the request is sent again only if the
/// platform says it never saw it.
/// </summary>
public sealed class PaymentGatewayGrain(
    [PersistentState("settlement", MedPayGrainServices.StorageName)] IPersistentState<GatewayState> state,
    IInsurancePlatform platform,
    ICashChannel cash,
    IOptions<PaymentGatewayOptions> options,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IPaymentFlowHooks hooks,
    ILogger<PaymentGatewayGrain> logger) : Grain, IPaymentGatewayGrain
{
    private readonly PaymentGatewayOptions _options = options.Value;

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
        record = await DriveRefundAsync(record, resumed);
        await state.SaveAsync(state.State with { Refund = record with { UpdatedAt = time.GetUtcNow() } }, this);
        logger.LogInformation("Refund {RefundSettlementId} is {Status}", request.RefundSettlementId, record.Status);
        return state.State.Refund!;
    }

    private async Task<RefundRecord> DriveRefundAsync(RefundRecord record, bool mayHaveSent)
    {
        var request = record.Request;
        if (record.PlatformRef is null && (request.Split.FundFen > 0 || request.Split.PersonalAccountFen > 0))
        {
            var send = new PlatformRefundRequest(request.RefundSettlementId, request.OriginalSettlementId, request.OrderId, request.Split.FundFen, request.Split.PersonalAccountFen);
            var reply = await SendAtMostOnceAsync(
                mayHaveSent,
                ct => platform.RefundAsync(send, ct),
                ct => platform.QueryRefundAsync(request.RefundSettlementId, ct),
                known => known.Outcome == PlatformOutcome.NotFound);
            switch (reply)
            {
                case null:
                    return record with { Status = SettlementStatus.Unknown };
                case { Outcome: not PlatformOutcome.Succeeded }:
                    return record with { Status = SettlementStatus.Declined, Failure = new(ErrorCodes.RefundDeclined, reply.Reason ?? "The insurance platform declined the refund.") };
                default:
                    record = record with { PlatformRef = reply.Reference };
                    break;
            }
        }

        if (request.Split.CashFen > 0 && record.CashRef is null)
        {
            var reply = await SendAtMostOnceAsync(
                mayHaveSent,
                ct => cash.RefundAsync(request.RefundSettlementId, request.OriginalSettlementId, request.OrderId, request.Split.CashFen, ct),
                ct => cash.QueryRefundAsync(request.RefundSettlementId, ct),
                known => known.Outcome == CashOutcome.NotFound);
            switch (reply)
            {
                case null:
                    return record with { Status = SettlementStatus.Unknown };
                case { Outcome: not CashOutcome.Succeeded }:
                    // The insured part may already be back with the platform: a person must settle the cash part.
                    return record with { Status = SettlementStatus.Unknown, Failure = new(ErrorCodes.RefundDeclined, reply.Reason ?? "The cash channel declined the refund.") };
                default:
                    record = record with { CashRef = reply.Reference };
                    break;
            }
        }

        return record with { Status = SettlementStatus.Succeeded, Failure = null };
    }

    public Task<SettlementRecord> SettleAsync(SettlementRequest request, bool mayHaveSent) => state.DecideAsync(() => SettleOnceAsync(request, mayHaveSent));

    private async Task<SettlementRecord> SettleOnceAsync(SettlementRequest request, bool mayHaveSent)
    {
        var record = state.State.Record;
        if (record is not null && record.Request != request)
        {
            throw new InvalidOperationException($"Settlement {request.SettlementId} was started with another request.");
        }

        if (record is { Status: SettlementStatus.Succeeded or SettlementStatus.Declined or SettlementStatus.Mismatch })
        {
            return record;
        }

        // The order's "paying, settlement S" is the intent: on a first attempt nothing can have been sent before, and
        // on any later one (a resume) the platform is asked first. So the gateway writes no intent of its own.
        var resumed = record is not null || mayHaveSent;
        record ??= new SettlementRecord(request.SettlementId, SettlementStatus.Pending, request, null, null, null, 0, time.GetUtcNow());
        await hooks.AtAsync(FlowStep.AfterGatewayIntent, request.OrderId);
        record = await DriveAsync(record, resumed);
        await SaveAsync(record with { UpdatedAt = time.GetUtcNow() });
        logger.LogInformation("Settlement {SettlementId} is {Status}", request.SettlementId, record.Status);
        return state.State.Record!;
    }

    private async Task<SettlementRecord> DriveAsync(SettlementRecord record, bool mayHaveSent)
    {
        var request = record.Request;
        if (record.PlatformRef is null)
        {
            var (reply, calls) = await SettleAtPlatformAsync(request, mayHaveSent);
            record = record with { PlatformCalls = record.PlatformCalls + calls };
            switch (reply)
            {
                case null:
                    return record with { Status = SettlementStatus.Unknown };
                case { Outcome: PlatformOutcome.Declined }:
                    return record with { Status = SettlementStatus.Declined, Failure = new(ErrorCodes.PlatformDeclined, reply.Reason ?? "The insurance platform declined the settlement.") };
                case { Outcome: PlatformOutcome.Reversed }:
                    return record with { Status = SettlementStatus.Declined, PlatformRef = reply.Reference, Failure = record.Failure ?? new(ErrorCodes.PlatformDeclined, "The settlement was reversed.") };
                case { Outcome: PlatformOutcome.Succeeded } when reply.FundFen != request.Split.FundFen || reply.PersonalAccountFen != request.Split.PersonalAccountFen:
                    logger.LogWarning("Settlement {SettlementId}: the platform reports other amounts than MedPay computed", request.SettlementId);
                    return record with
                    {
                        Status = SettlementStatus.Mismatch,
                        PlatformRef = reply.Reference,
                        Failure = new(ErrorCodes.AmountMismatch, $"The platform reports fund {reply.FundFen} and personal account {reply.PersonalAccountFen} fen; MedPay computed {request.Split.FundFen} and {request.Split.PersonalAccountFen}."),
                    };
                default:
                    record = record with { PlatformRef = reply.Reference };
                    break;
            }

            await hooks.AtAsync(FlowStep.AfterPlatform, request.OrderId);
        }

        if (request.Split.CashFen > 0 && record.CashRef is null)
        {
            var charge = await ChargeCashAsync(request, mayHaveSent);
            switch (charge)
            {
                case null:
                    return record with { Status = SettlementStatus.Unknown };
                case { Outcome: CashOutcome.Declined }:
                    // The insured part already settled: reverse it so that nothing is paid.
                    var reversal = await CallAsync(ct => platform.ReverseAsync(request.SettlementId, ct));
                    return reversal is { Outcome: PlatformOutcome.Reversed }
                        ? record with { Status = SettlementStatus.Declined, Failure = new(ErrorCodes.CashDeclined, charge.Reason ?? "The cash channel declined the self-pay part.") }
                        : record with { Status = SettlementStatus.Unknown, Failure = new(ErrorCodes.CashDeclined, "The cash part was declined and the reversal is not yet confirmed.") };
                default:
                    record = record with { CashRef = charge.Reference };
                    break;
            }
        }

        return record with { Status = SettlementStatus.Succeeded, Failure = null };
    }

    /// <summary>The platform's answer, or null when it stays unknown; and how many settle requests were sent.</summary>
    private async Task<(PlatformReply? Reply, int Calls)> SettleAtPlatformAsync(SettlementRequest request, bool mayHaveSent)
    {
        var calls = 0;
        var send = new PlatformSettleRequest(request.SettlementId, request.OrderId, request.MerchantId, request.VoucherNo, request.InsuredRegion, request.Split.FundFen, request.Split.PersonalAccountFen);
        var reply = await SendAtMostOnceAsync(
            mayHaveSent,
            ct =>
            {
                calls++;
                return platform.SettleAsync(send, ct);
            },
            ct => platform.QueryAsync(request.SettlementId, ct),
            known => known.Outcome == PlatformOutcome.NotFound);
        return (reply, calls);
    }

    private Task<CashReply?> ChargeCashAsync(SettlementRequest request, bool mayHaveSent) =>
        SendAtMostOnceAsync(
            mayHaveSent,
            ct => cash.ChargeAsync(request.SettlementId, request.OrderId, request.Split.CashFen, ct),
            ct => cash.QueryAsync(request.SettlementId, ct),
            known => known.Outcome == CashOutcome.NotFound);

    /// <summary>
    /// Sends a request that the other side deduplicates by settlement id, and finds out what became of it.
    /// After a time-out (or when an earlier activation may have sent it) it asks; it sends again only when the
    /// other side says it never saw the request. Null when the outcome is still unknown after the bounded queries.
    /// </summary>
    private async Task<T?> SendAtMostOnceAsync<T>(
        bool mayHaveSent,
        Func<CancellationToken, Task<T>> send,
        Func<CancellationToken, Task<T>> query,
        Func<T, bool> neverSeen) where T : class
    {
        if (!mayHaveSent && await CallAsync(send) is { } first)
        {
            return first;
        }

        for (var attempt = 0; attempt < _options.QueryAttempts; attempt++)
        {
            // A request that timed out may still be on its way: give it a moment before asking.
            await BackoffAsync(attempt);
            var known = await CallAsync(query);
            if (known is not null && !neverSeen(known))
            {
                return known;
            }

            if (known is not null && await CallAsync(send) is { } resent)
            {
                return resent;
            }
        }

        return null;
    }

    /// <summary>Runs one external call under the call timeout; null when its outcome is unknown.</summary>
    private async Task<T?> CallAsync<T>(Func<CancellationToken, Task<T>> call) where T : class
    {
        using var timeout = new CancellationTokenSource(_options.CallTimeout);
        try
        {
            return await call(timeout.Token);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("A platform call timed out: {Reason}", e.Message);
            return null;
        }
    }

    private Task BackoffAsync(int attempt)
    {
        var pause = _options.QueryBackoff * Math.Pow(2, attempt);
        return Task.Delay(pause * (0.5 + Random.Shared.NextDouble()));
    }

    private Task SaveAsync(SettlementRecord record) => state.SaveAsync(state.State with { Record = record }, this);
}
