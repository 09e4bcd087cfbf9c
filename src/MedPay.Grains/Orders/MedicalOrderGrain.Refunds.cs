// Refunding a paid order: the request checked and written as pending, then driven at the payment gateway to its outcome
// (succeeded, or held for a person), with the merchant told; a repeat gets the same refund, never a second one.
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    private async Task<Result<RefundView>> RefundOnceAsync(RefundCommand command)
    {
        var current = state.State;
        if (current.Command is null)
        {
            return NotFound();
        }

        if (!OrderRules.IsId(command.RefundId))
        {
            return new Failure(ErrorCodes.InvalidRefundId, "refundId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Length > 200)
        {
            return new Failure(ErrorCodes.InvalidReason, "reason must be 1 to 200 characters.");
        }

        if (current.Refunds.Find(r => r.RefundId == command.RefundId) is { } known)
        {
            // The same refund again: its outcome (finishing it if it is still open), never a second refund.
            return known.AmountFen != command.AmountFen || known.Reason != command.Reason
                ? new Failure(ErrorCodes.RefundConflict, "This refund id was used for a refund with another amount or reason.")
                : known.Status == RefundStatus.Pending ? await DriveRefundAsync(known) : known;
        }

        if (current.Status is not (OrderStatus.Settled or OrderStatus.PartiallyRefunded))
        {
            return new Failure(ErrorCodes.OrderNotRefundable, $"The order is {Describe(current.Status)}; only a paid order can be refunded.");
        }

        if (current.Refunds.Count >= orderOptions.Value.MaxRefundsPerOrder)
        {
            // Every refund stays on the order (for repeats and the statement): their number is what bounds its state.
            return new Failure(ErrorCodes.TooManyRefunds, $"This order already has {current.Refunds.Count} refunds, the most one order can have.");
        }

        if (command.AmountFen < 1)
        {
            return new Failure(ErrorCodes.InvalidAmount, "amountFen must be at least 1.");
        }

        var committed = current.Refunds.Where(r => r.Status != RefundStatus.Failed).Aggregate(new Split(0, 0, 0), (sum, r) => RefundSplit.Add(sum, r.Split));
        if (RefundSplit.Compute(current.Split!, committed, command.AmountFen) is not { } split)
        {
            return new Failure(ErrorCodes.RefundExceedsPaid, $"At most {current.Split!.TotalFen - committed.TotalFen} fen can still be refunded.");
        }

        var now = time.GetUtcNow();
        var refund = new RefundView(command.RefundId, command.AmountFen, command.Reason, RefundStatus.Pending, split, $"{OrderId}{OrderIds.Separator}refund-{command.RefundId}", null, null, now, null);
        await SaveAsync(current.RefundRequested(refund, now));
        await UpdateReminderAsync();
        await hooks.AtAsync(FlowStep.BeforeRefund, OrderId);
        return await DriveRefundAsync(refund);
    }

    /// <summary>
    /// Asks the gateway for the refund's outcome (it refunds once per refund id) and records it. An outcome the gateway
    /// has recorded is durable there, so the merchant may hear of it before the order's write (see <see cref="TryFirstDeliveryAsync"/>).
    /// </summary>
    private async Task<RefundView> DriveRefundAsync(RefundView refund)
    {
        var current = state.State;
        var record = await GrainFactory.GetGrain<IPaymentGatewayGrain>(refund.RefundSettlementId)
            .RefundAsync(new RefundRequest(refund.RefundSettlementId, current.SettlementId!, OrderId, refund.RefundId, refund.Split));
        await hooks.AtAsync(FlowStep.AfterRefund, OrderId);
        switch (record.Status)
        {
            case SettlementStatus.Succeeded:
                await GrainFactory.GetGrain<IEVoucherGrain>(current.Command!.UserId).CreditRefundAsync(OrderId, refund.RefundId, refund.Split);
                var refunded = state.State.RefundSucceeded(refund, record.PlatformRef, time.GetUtcNow());
                var notification = await TryFirstDeliveryAsync(refunded, Notification(refunded, WireNames.OrderEvents.Refunded, refunded.Refund(refund.RefundId)));
                await SaveAsync(refunded.WithNotification(notification));
                ScheduleDelivery();
                LogMoved();
                metrics.RefundRecorded("refunded");
                break;
            case SettlementStatus.Declined:
                // The platform or the cash channel refused to refund a payment MedPay holds as settled: final for this
                // refund id, and the customer is still owed the money, so a person settles it.
                await HoldRefundAsync(refund, record, record.Failure ?? new(ErrorCodes.RefundDeclined, "The refund was declined."), outcomeDurable: true);
                break;
            case SettlementStatus.Unknown when record.Failure is { } refused:
                // The cash channel refused the cash part after the platform refunded the insured part (in the gateway's
                // record): a refusal too, and half done, so a person settles it at once.
                await HoldRefundAsync(refund, record, refused, outcomeDurable: true);
                break;
            default:
                var waited = time.GetUtcNow() - refund.RequestedAt;
                if (waited >= recovery.Value.ManualReviewAfter)
                {
                    // As for a payment: an outcome unknown for too long is a person's to find out, never silently pending.
                    var reason = $"the outcome of refund {refund.RefundSettlementId} is still unknown after {waited.TotalMinutes:F0} minutes";
                    await HoldRefundAsync(refund, record, new(ErrorCodes.RefundUnknown, reason), outcomeDurable: false);
                }
                else
                {
                    logger.LogWarning("Order {OrderId}: the outcome of refund {RefundId} is unknown; it stays pending", OrderId, refund.RefundId);
                    metrics.RefundRecorded("unknown");
                }

                break;
        }

        await UpdateReminderAsync();
        return state.State.Refund(refund.RefundId);
    }

    /// <summary>
    /// Holds a refund for manual review with <paramref name="reason"/>: recorded on the refund and in the history, and the
    /// merchant is told (<c>order.refund_review</c>) in the same write; first, when the refusal is <paramref name="outcomeDurable"/>
    /// at the gateway. The order keeps its status; nothing drives the refund any more, and its amount still counts
    /// against what is left to refund.
    /// </summary>
    private async Task HoldRefundAsync(RefundView refund, RefundRecord record, Failure reason, bool outcomeDurable)
    {
        var held = state.State.RefundHeld(refund, reason, record.PlatformRef, time.GetUtcNow());
        var notification = Notification(held, WireNames.OrderEvents.RefundReview, held.Refund(refund.RefundId));
        if (outcomeDurable)
        {
            notification = await TryFirstDeliveryAsync(held, notification);
        }

        await SaveAsync(held.WithNotification(notification));
        ScheduleDelivery();
        metrics.RefundRecorded("manual_review");
        logger.LogWarning("Order {OrderId}: refund {RefundId} is held for manual review ({Code})", OrderId, refund.RefundId, reason.Code);
    }
}
