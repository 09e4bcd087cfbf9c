// Cancelling an unpaid order, at the merchant's request or when it expires unpaid (its merchant index's sweep asks);
// a payment a crash interrupted is finished first, since it may have reached the platform.
using MedPay.Contracts;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    private async Task ExpireIfDueOnceAsync()
    {
        var current = state.State;
        if (current.Status == OrderStatus.Created && time.GetUtcNow() - current.CreatedAt >= orderOptions.Value.UnpaidExpiry)
        {
            await CancelOnceAsync("not paid in time", OrderStatus.Expired);
        }
    }

    /// <param name="to"><see cref="OrderStatus.Cancelled"/> or <see cref="OrderStatus.Expired"/>.</param>
    private async Task<Result<OrderView>> CancelOnceAsync(string reason, OrderStatus to)
    {
        var current = state.State;
        if (current.Command is null)
        {
            return NotFound();
        }

        if (current.Status == to)
        {
            return View(current);
        }

        if (current.Status != OrderStatus.Created)
        {
            return new Failure(ErrorCodes.OrderNotCancellable, $"The order is {Describe(current.Status)}; only an unpaid order can be cancelled.");
        }

        // A payment interrupted after its reservation is finished first: it may have reached the platform.
        await FinishInterruptedPaymentAsync(GrainFactory.GetGrain<IEVoucherGrain>(current.Command.UserId));
        if (state.State.Status != OrderStatus.Created)
        {
            return new Failure(ErrorCodes.OrderNotCancellable, $"The order is {Describe(state.State.Status)}; only an unpaid order can be cancelled.");
        }

        var now = time.GetUtcNow();
        var next = to == OrderStatus.Expired ? state.State.Expired(reason, now) : state.State.Cancelled(reason, now);
        await SaveAsync(next.WithNotification(Notification(next, to == OrderStatus.Expired ? WireNames.OrderEvents.Expired : WireNames.OrderEvents.Cancelled)));
        ScheduleDelivery();
        LogMoved();
        await UpdateReminderAsync();
        return View(state.State);
    }
}
