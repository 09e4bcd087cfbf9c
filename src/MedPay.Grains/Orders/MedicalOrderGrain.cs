// The order grain: its fields, its entry points (the interface), the resume reminder that drives open work, and what its
// concerns share: the write, the answers. Each concern is a file of its own: MedicalOrderGrain.Create, .Payment,
// .Refunds, .Cancellation, .Notifications, .Listings; the state and its transitions are OrderState.cs.
using MedPay.Contracts;
using MedPay.Grains.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// The coordinator of one order: its payment, refunds, cancellation and expiry, and the notifications of their outcomes.
/// A durable state machine: it writes its intent ("paying, settlement S", "refund R pending") before anything leaves
/// MedPay, and while any work is open something drives it forward after any crash: for an unpaid order, its merchant's
/// index sweep (expiry); for a payment under way, the voucher's check of reservations held too long (the order records
/// the outcome before the voucher lets go of the reservation); for an unknown outcome, a pending refund or a notification
/// to retry, the order's own reminder. Every step is idempotent by order id, settlement id and refund id, so resuming is
/// always safe. Its state and its transitions are <see cref="OrderState"/>.
/// </summary>
public sealed partial class MedicalOrderGrain(
    [PersistentState("order", MedPayGrainServices.StorageName)] IPersistentState<OrderState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IPaymentFlowHooks hooks,
    PlatformExchange exchange,
    ICallbackSender callbacks,
    IOptions<RecoveryOptions> recovery,
    IOptions<OrderOptions> orderOptions,
    IOptions<NotificationOptions> notificationOptions,
    MedPayMetrics metrics,
    ILogger<MedicalOrderGrain> logger) : Grain, IMedicalOrderGrain, IRemindable
{
    private const string ResumeReminder = "resume";

    /// <summary>What was last written; readers that interleave with a payment see only durable state.</summary>
    private OrderState _durable = null!;
    private OpenWorkReminder? _resume;
    private IGrainTimer? _deliveryTimer;

    private string OrderId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durable = state.State;
        ScheduleDelivery();
        return Task.CompletedTask;
    }

    public Task<Result<CreateOrderResult>> CreateAsync(CreateOrderCommand command) => state.DecideAsync(() => CreateOnceAsync(command), Reloaded);

    public Task<Result<OrderView>> GetAsync()
    {
        if (_durable.Command is null)
        {
            // A look-up of an order that does not exist keeps nothing in memory.
            this.DeactivateOnIdle();
            return Task.FromResult<Result<OrderView>>(NotFound());
        }

        return Task.FromResult<Result<OrderView>>(View(_durable));
    }

    public Task<Result<PaymentResult>> PayAsync(PayOrderCommand command) => state.DecideAsync(() => PayOnceAsync(command), Reloaded);

    public Task<Result<RefundView>> RefundAsync(RefundCommand command) => state.DecideAsync(() => RefundOnceAsync(command), Reloaded);

    public Task<Result<OrderView>> CancelAsync(string reason) => state.DecideAsync(() => CancelOnceAsync(reason, OrderStatus.Cancelled), Reloaded);

    public Task ReconcileAsync() => state.DecideAsync(ReconcileOnceAsync, Reloaded);

    public Task ExpireIfUnpaidAsync() => state.DecideAsync(ExpireIfDueOnceAsync, Reloaded);

    public Task<OrderStatus?> ExpireIfDueAsync() => state.DecideAsync(async () =>
    {
        if (state.State.Command is null)
        {
            this.DeactivateOnIdle();
            return (OrderStatus?)null;
        }

        await ExpireIfDueOnceAsync();
        return state.State.Status;
    }, Reloaded);

    public Task<OrderSummary?> GetSummaryAsync()
    {
        if (_durable.Command is null)
        {
            this.DeactivateOnIdle();
            return Task.FromResult<OrderSummary?>(null);
        }

        return Task.FromResult<OrderSummary?>(Summary(_durable));
    }

    public Task<SettlementRecord?> GetSettlementAsync() => Task.FromResult(_durable.Settlement);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder)
        {
            return;
        }

        await state.DecideAsync(ResumeOnceAsync, Reloaded);
    }

    /// <summary>Drives every piece of open work one step further: expiry, settlement, refunds, notifications.</summary>
    private async Task ResumeOnceAsync()
    {
        await ExpireIfDueOnceAsync();
        if (state.State.Status == OrderStatus.Paying)
        {
            logger.LogInformation("Order {OrderId}: resuming its settlement", OrderId);
            await SettleAsync(resume: true);
        }

        foreach (var pending in state.State.Refunds.Where(r => r.Status == RefundStatus.Pending).ToList())
        {
            await DriveRefundAsync(pending);
        }

        await DeliverDueAsync();
        await EnqueueForReviewAsync();
        await UpdateReminderAsync(mayUnregister: true);
    }

    /// <summary>
    /// The resume reminder exists while the order has open work (paying, a pending refund, an undelivered notification).
    /// It is registered on the way in; it removes itself on its next tick once nothing is open, so that finishing a
    /// payment costs no reminder operation on its path.
    /// </summary>
    private async Task UpdateReminderAsync(bool mayUnregister = false)
    {
        var s = state.State;
        var open = s.Status == OrderStatus.Paying
            || s.Refunds.Any(r => r.Status == RefundStatus.Pending)
            || s.HasPendingNotification
            || s.NeedsQueueing;
        _resume ??= new(this, ResumeReminder, recovery.Value.ResumeEvery);
        if (open)
        {
            await _resume.EnsureAsync();
        }
        else if (mayUnregister)
        {
            await _resume.ReleaseAsync();
        }
    }

    /// <summary>Writes the order's state, compacted, and nothing else.</summary>
    private async Task SaveAsync(OrderState next)
    {
        next = OrderState.Compacted(next, notificationOptions.Value.DeliveryLogSize, orderOptions.Value.MaxHistoryEntries);
        await state.SaveAsync(next, this);
        _durable = next;
    }

    private void LogMoved() => logger.LogInformation("Order {OrderId} is {Status}", OrderId, state.State.Status);

    private void Reloaded()
    {
        _durable = state.State;
        _resume?.Forget();
    }

    /// <summary>One settlement per order: a failed payment is final, and a repeat resumes the same settlement.</summary>
    public static string SettlementIdFor(string orderId) => $"{orderId}{OrderIds.Separator}1";

    private PaymentResult Result()
    {
        var s = state.State;
        return new(OrderId, s.Status, s.SettlementId, s.Split, s.PlatformSettlementRef, s.Failure);
    }

    private OrderView View(OrderState s) => new(
        OrderId, s.Command!.MerchantId, s.Command.MerchantOrderNo, s.Command.UserId, s.Status, s.Command.Items, s.TotalFen,
        s.Split, s.SettlementId, s.PlatformSettlementRef, s.Failure, [.. s.History], s.CreatedAt, s.UpdatedAt, [.. s.Refunds],
        [
            .. s.Deliveries,
            .. s.Outbox.Select(e => e.View()),
        ])
    {
        HistoryDropped = s.HistoryDropped,
        NotificationsDropped = s.DeliveriesDropped,
    };

    private static string Describe(OrderStatus status) => WireNames.Of(status).Replace('_', ' ');

    private static Failure NotFound() => Contracts.NotFound.Order;
}
