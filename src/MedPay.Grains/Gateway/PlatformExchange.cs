using MedPay.Contracts;
using MedPay.Platform;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// The exchanges of a settlement or a refund with the insurance platform and the cash channel, each sent at most once: a
/// time-out is never taken as a failure; the other side is asked by id, and the request is sent again only if it says it
/// never saw it. It owns no state: its caller keeps the record it returns (the order, in the same write as the outcome,
/// for a settlement; the payment-gateway grain for a refund) and hands it back to resume. Called from grain code, its
/// awaits stay on the calling activation.
/// </summary>
public sealed class PlatformExchange(
    IInsurancePlatform platform,
    ICashChannel cash,
    IOptions<PaymentGatewayOptions> options,
    IPaymentFlowHooks hooks,
    ILogger<PlatformExchange> logger)
{
    private readonly PaymentGatewayOptions _options = options.Value;

    /// <summary>Drives a settlement that is not final (a new one, or one whose outcome was unknown) to its outcome, or to unknown again.</summary>
    /// <param name="mayHaveSent">False only on the first attempt right after the reservation: no earlier request can exist.</param>
    public async Task<SettlementRecord> SettleAsync(SettlementRecord record, bool mayHaveSent)
    {
        var request = record.Request;
        await hooks.AtAsync(FlowStep.AfterGatewayIntent, request.OrderId);
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
            var charge = await SendAtMostOnceAsync(
                mayHaveSent,
                ct => cash.ChargeAsync(request.SettlementId, request.OrderId, request.Split.CashFen, ct),
                ct => cash.QueryAsync(request.SettlementId, ct),
                known => known.Outcome == CashOutcome.NotFound);
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

    /// <summary>Drives a refund that is not final to its outcome, or to unknown again.</summary>
    public async Task<RefundRecord> RefundAsync(RefundRecord record, bool mayHaveSent)
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

    /// <summary>
    /// What the platform and the cash channel hold now for a settlement, asked by its id once each and never sent: for a
    /// person deciding an order in review.
    /// </summary>
    public async Task<PlatformAnswer> InquireAsync(SettlementRequest request, DateTimeOffset now)
    {
        var insured = request.Split.FundFen + request.Split.PersonalAccountFen > 0 ? await CallAsync(ct => platform.QueryAsync(request.SettlementId, ct)) : null;
        var charge = request.Split.CashFen > 0 ? await CallAsync(ct => cash.QueryAsync(request.SettlementId, ct)) : null;
        var platformStatus = request.Split.FundFen + request.Split.PersonalAccountFen == 0 ? Domain.ReviewRules.Statuses.NotNeeded : insured?.Outcome switch
        {
            null => Domain.ReviewRules.Statuses.Unknown,
            PlatformOutcome.Succeeded => Domain.ReviewRules.Statuses.Settled,
            PlatformOutcome.NotFound => Domain.ReviewRules.Statuses.NotFound,
            PlatformOutcome.Reversed => Domain.ReviewRules.Statuses.Reversed,
            _ => Domain.ReviewRules.Statuses.Declined,
        };
        var cashStatus = request.Split.CashFen == 0 ? Domain.ReviewRules.Statuses.NotNeeded : charge?.Outcome switch
        {
            null => Domain.ReviewRules.Statuses.Unknown,
            CashOutcome.Succeeded => Domain.ReviewRules.Statuses.Settled,
            CashOutcome.NotFound => Domain.ReviewRules.Statuses.NotFound,
            _ => Domain.ReviewRules.Statuses.Declined,
        };
        return new PlatformAnswer(
            request.SettlementId, platformStatus, insured?.FundFen ?? 0, insured?.PersonalAccountFen ?? 0, insured?.Reference,
            cashStatus, charge?.AmountFen ?? 0, charge?.Reference, now);
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

    /// <summary>
    /// Sends a request that the other side deduplicates by id, and finds out what became of it. After a time-out (or when
    /// an earlier activation may have sent it) it asks; it sends again only when the other side says it never saw the
    /// request. Null when the outcome is still unknown after the bounded queries.
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

    /// <summary>Runs one external call under the call time-out; null when its outcome is unknown.</summary>
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
}
