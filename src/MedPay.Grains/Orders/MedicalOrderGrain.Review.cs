// Manual review: the order in the review queue, what the platform says of it now, a person's decision checked against
// that answer, and re-sending notifications on a person's request.
using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    public Task<Result<ReviewCase>> InspectReviewAsync() => state.DecideAsync(async () =>
    {
        var current = state.State;
        if (current.Command is null)
        {
            return (Result<ReviewCase>)NotFound();
        }

        if (current.Status != OrderStatus.ManualReview || current.Settlement is null)
        {
            return new Failure(ErrorCodes.OrderNotInReview, $"The order is {Describe(current.Status)}, not in manual review.");
        }

        var answer = await exchange.InquireAsync(current.Settlement.Request, time.GetUtcNow());
        var verdict = ReviewRules.Judge(answer, current.Settlement.Request.Split);
        return new ReviewCase(View(current), answer, verdict.Allowed, verdict.Explanation);
    }, Reloaded);

    public Task<Result<OrderView>> ResolveReviewAsync(ResolveReviewCommand command) => state.DecideAsync(async () =>
    {
        var current = state.State;
        if (current.Command is null)
        {
            return (Result<OrderView>)NotFound();
        }

        if (current.Status != OrderStatus.ManualReview || current.Settlement is null)
        {
            // The same decision again (a repeated request) finds it done: the order as it is.
            var done = current.History.LastOrDefault()?.Cause.StartsWith(command.Decision == ReviewDecision.Settle ? "settled on review" : "failed on review", StringComparison.Ordinal) == true;
            return done ? View(current) : new Failure(ErrorCodes.OrderNotInReview, $"The order is {Describe(current.Status)}, not in manual review.");
        }

        var request = current.Settlement.Request;
        var answer = await exchange.InquireAsync(request, time.GetUtcNow());
        if (ReviewRules.Check(command.Decision, ReviewRules.Judge(answer, request.Split)) is { } refused)
        {
            logger.LogWarning("Order {OrderId}: a review decision to {Decision} was refused: {Code}", OrderId, command.Decision, refused.Code);
            return refused;
        }

        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(current.Command.UserId);
        var now = time.GetUtcNow();
        if (command.Decision == ReviewDecision.Settle)
        {
            var settled = current.SettledOnReview(answer, command.Operator, command.Reason, now);
            await SaveAsync(settled.WithNotification(Notification(settled, WireNames.OrderEvents.Settled)));
            await voucher.CommitAsync(OrderId);
        }
        else
        {
            var failed = current.FailedOnReview(answer, command.Operator, command.Reason, now);
            await SaveAsync(failed.WithNotification(Notification(failed, WireNames.OrderEvents.Failed)));
            await voucher.ReleaseAsync(OrderId);
        }

        LogMoved();
        metrics.PaymentRecorded(WireNames.Of(state.State.Status), MedPayMetrics.Paths.Review, now - (current.PayingSince ?? current.UpdatedAt));
        await GrainFactory.GetGrain<IReviewQueueGrain>(0).RemoveAsync(OrderId);
        await DeliverDueAsync();
        await UpdateReminderAsync();
        return View(state.State);
    }, Reloaded);

    public Task<Result<OrderView>> ResendNotificationsAsync() => state.DecideAsync(async () =>
    {
        var current = state.State;
        if (current.Command is null)
        {
            return (Result<OrderView>)NotFound();
        }

        var type = current.Status switch
        {
            OrderStatus.Settled => WireNames.OrderEvents.Settled,
            OrderStatus.Failed => WireNames.OrderEvents.Failed,
            OrderStatus.ManualReview => WireNames.OrderEvents.ManualReview,
            OrderStatus.Cancelled => WireNames.OrderEvents.Cancelled,
            OrderStatus.Expired => WireNames.OrderEvents.Expired,
            OrderStatus.PartiallyRefunded or OrderStatus.Refunded => WireNames.OrderEvents.Refunded,
            _ => null,
        };
        if (type is null)
        {
            return new Failure(ErrorCodes.OrderConflict, $"The order is {Describe(current.Status)}: it has no outcome to notify yet.");
        }

        var now = time.GetUtcNow();
        var refund = type == WireNames.OrderEvents.Refunded ? current.Refunds.LastOrDefault(r => r.Status == RefundStatus.Succeeded) : null;
        var again = Notification(current with { UpdatedAt = now }, type, refund);
        // Everything waiting is due now; the current outcome is sent again (same event id: the merchant recognises a
        // repeat) unless it is already waiting.
        var next = current with { Outbox = current.Outbox.Select(e => e.Status == NotificationStatus.Pending ? e with { NextAttemptAt = now } : e).ToImmutableList() };
        if (!next.Outbox.Any(e => e.EventId == again.EventId && e.Status == NotificationStatus.Pending))
        {
            next = next.WithNotification(again);
        }

        await SaveAsync(next);
        await DeliverDueAsync();
        await UpdateReminderAsync();
        return View(state.State);
    }, Reloaded);

    /// <summary>Puts an order held in review into the review queue, once; retried by the order's reminder until it is there.</summary>
    private async Task EnqueueForReviewAsync()
    {
        var current = state.State;
        if (!current.NeedsQueueing)
        {
            return;
        }

        try
        {
            var since = current.History.LastOrDefault(h => h.Status == OrderStatus.ManualReview)?.At ?? current.UpdatedAt;
            await GrainFactory.GetGrain<IReviewQueueGrain>(0).AddAsync(new ReviewEntry(
                OrderId, current.Command!.MerchantId, current.TotalFen, since, current.Failure?.Code ?? "", current.Failure?.Message ?? ""));
            await SaveAsync(state.State.Queued());
        }
        catch (Exception e) when (e is not Orleans.Storage.InconsistentStateException)
        {
            // The reminder tries again; the order stays in review either way.
            logger.LogWarning(e, "Order {OrderId}: could not add it to the review queue yet", OrderId);
            await UpdateReminderAsync();
        }
    }
}
