// Telling the merchant of outcomes: the outbox (a notification written with the outcome it reports), the first delivery
// attempt before that write when the outcome is durable elsewhere, the retries on a timer, and the event's body.
using System.Text.Json;
using MedPay.Contracts;
using MedPay.Grains.Notifications;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The notification of the outcome <paramref name="next"/> records, not yet attempted; its event id is stable, so a repeat is recognised.</summary>
    private OutboxEvent Notification(OrderState next, string type, RefundView? refund = null)
    {
        var now = next.UpdatedAt;
        var eventId = refund is null ? $"{OrderId}:{type}" : $"{OrderId}:{type}:{refund.RefundId}";
        return OutboxEvent.Pending(eventId, type, EventBody(eventId, type, next, refund, now), now);
    }

    /// <summary>
    /// Calls the merchant with <paramref name="notification"/> before the outcome is written, unless an earlier
    /// notification is still waiting (to keep the order of events); returns it as attempted, or unchanged.
    /// Only for an outcome already durable elsewhere (the gateway's record of the settlement or refund): a crash before
    /// the write finds the same outcome again when the order resumes and sends the same event (same id) again, which
    /// at-least-once allows. One write then records the outcome and its first delivery attempt, instead of one for each.
    /// </summary>
    private async Task<OutboxEvent> TryFirstDeliveryAsync(OrderState next, OutboxEvent notification) =>
        next.HasPendingNotification ? notification : await SendToMerchantAsync(notification, await CallbackTargetAsync(), firstAttempt: true);

    /// <summary>Arms the timer for the next notification due, if any; the reminder covers a deactivation in between.</summary>
    private void ScheduleDelivery()
    {
        var due = state.State.Outbox.Where(e => e.Status == NotificationStatus.Pending).Select(e => (DateTimeOffset?)e.NextAttemptAt).Min();
        _deliveryTimer?.Dispose();
        _deliveryTimer = null;
        if (due is { } at)
        {
            var delay = at - time.GetUtcNow();
            _deliveryTimer = this.RegisterGrainTimer(
                () => state.DecideAsync(DeliverDueAsync, Reloaded),
                new GrainTimerCreationOptions { DueTime = delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Period = Timeout.InfiniteTimeSpan });
        }
    }

    /// <summary>Sends every notification that is due, then writes how each went; at-least-once, each with its stable event id.</summary>
    private async Task DeliverDueAsync()
    {
        var now = time.GetUtcNow();
        var due = state.State.Outbox.Where(e => e.Status == NotificationStatus.Pending && e.NextAttemptAt <= now).ToList();
        if (due.Count > 0)
        {
            var target = await CallbackTargetAsync();
            var attempted = new List<OutboxEvent>(due.Count);
            foreach (var pending in due)
            {
                attempted.Add(await SendToMerchantAsync(pending, target));
            }

            await SaveAsync(state.State.WithDeliveryAttempts(attempted));
            await UpdateReminderAsync();
        }

        ScheduleDelivery();
    }

    private Task<CallbackTarget?> CallbackTargetAsync() => GrainFactory.GetGrain<IMerchantGrain>(state.State.Command!.MerchantId).GetCallbackTargetAsync();

    /// <summary>One HTTP call to the merchant's callback address; returns the notification as attempted (nothing is written).</summary>
    /// <param name="firstAttempt">Made on the way to answering a payment or refund: it waits at most <see cref="NotificationOptions.FirstAttemptTimeout"/>.</param>
    private async Task<OutboxEvent> SendToMerchantAsync(OutboxEvent pending, CallbackTarget? target, bool firstAttempt = false)
    {
        var options = notificationOptions.Value;
        if (target?.Url is not { } url)
        {
            metrics.NotificationAttempted("undeliverable");
            return pending.Undeliverable(target is null ? "the merchant is not registered" : "the merchant has no callback address");
        }

        var message = new CallbackMessage(new Uri(url), target.WebhookSecret, pending.EventId, pending.Type, System.Text.Encoding.UTF8.GetBytes(pending.Body));
        CallbackAttempt attempt;
        using (var budget = new CancellationTokenSource(firstAttempt ? options.FirstAttemptTimeout : Timeout.InfiniteTimeSpan))
        {
            try
            {
                attempt = await callbacks.SendAsync(message, budget.Token);
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested)
            {
                attempt = new(false, null, $"no answer within {options.FirstAttemptTimeout.TotalSeconds:F0} s on the first attempt");
            }
        }

        if (attempt.Acknowledged)
        {
            metrics.NotificationAttempted("acknowledged");
            return pending.Acknowledged(time.GetUtcNow());
        }

        var attempts = pending.Attempts + 1;
        logger.LogWarning("Order {OrderId}: notification {EventId} not acknowledged (attempt {Attempts}): {Error}", OrderId, pending.EventId, attempts, attempt.Error);
        var next = pending.Unacknowledged(attempt.Error, options.MaxAttempts, time.GetUtcNow() + CallbackBackoff.After(attempts, options.FirstRetry, options.MaxRetry, Random.Shared));
        metrics.NotificationAttempted(next.Status == NotificationStatus.Failed ? "given_up" : "unacknowledged");
        return next;
    }

    private string EventBody(string eventId, string type, OrderState s, RefundView? refund, DateTimeOffset at) => JsonSerializer.Serialize(new
    {
        eventId,
        type,
        occurredAt = at,
        order = new
        {
            orderId = OrderId,
            merchantId = s.Command!.MerchantId,
            merchantOrderNo = s.Command.MerchantOrderNo,
            userId = s.Command.UserId,
            status = WireNames.Of(s.Status),
            totalFen = s.TotalFen,
            split = s.Split is null ? null : new { fundFen = s.Split.FundFen, personalAccountFen = s.Split.PersonalAccountFen, cashFen = s.Split.CashFen },
            settlementId = s.SettlementId,
            platformSettlementRef = s.PlatformSettlementRef,
            failure = s.Failure is null ? null : new { code = s.Failure.Code, message = s.Failure.Message },
        },
        refund = refund is null ? null : new
        {
            refundId = refund.RefundId,
            amountFen = refund.AmountFen,
            split = new { fundFen = refund.Split.FundFen, personalAccountFen = refund.Split.PersonalAccountFen, cashFen = refund.Split.CashFen },
            platformRefundRef = refund.PlatformRefundRef,
            status = WireNames.Of(refund.Status),
            failure = refund.Failure is null ? null : new { code = refund.Failure.Code, message = refund.Failure.Message },
        },
    }, Json);
}
