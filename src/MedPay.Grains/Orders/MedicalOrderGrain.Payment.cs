// Paying an order: the voucher's reservation, then the settlement and its outcome (settled, failed, held for review, or
// still paying), in that order; then the paths that finish a payment later: a repeated request, the voucher's
// reconciliation, a payment a crash interrupted.
using MedPay.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    private async Task<Result<PaymentResult>> PayOnceAsync(PayOrderCommand command)
    {
        var current = state.State;
        var path = command.PayerUserId is null ? MedPayMetrics.Paths.Merchant : MedPayMetrics.Paths.Direct;
        // On the direct path only the order's own user pays it; for anyone else it does not exist.
        if (current.Command is null || (command.PayerUserId is not null && command.PayerUserId != current.Command.UserId))
        {
            return NotFound();
        }

        if (current.AuthCodeHash is not null && current.AuthCodeHash == Fingerprints.AuthCode(command.AuthCode ?? ""))
        {
            // The same consent again (a repeated request): the payment it started, not a second one.
            return current.Status == OrderStatus.Paying ? await SettleAsync(resume: true, path) : await AnswerAgainAsync(current);
        }

        switch (current.Status)
        {
            case OrderStatus.Paying:
                return await SettleAsync(resume: true, path);
            case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                return new Failure(ErrorCodes.OrderAlreadyPaid, "The order is already paid.");
            case OrderStatus.Cancelled:
                return new Failure(ErrorCodes.OrderCancelled, "The order was cancelled and cannot be paid.");
            case OrderStatus.Expired:
                return new Failure(ErrorCodes.OrderExpired, "The order expired unpaid and cannot be paid.");
            case not OrderStatus.Created:
                return new Failure(ErrorCodes.OrderNotPayable, $"The order is {Describe(current.Status)} and cannot be paid.");
        }

        var order = current.Command;
        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(order.UserId);
        var requested = time.GetUtcNow();
        var reserved = await voucher.ReserveAsync(new ReserveCommand(
            OrderId, order.MerchantId, order.MerchantOrderNo, command.AuthCode ?? "", SettlementIdFor(OrderId), order.Items, command.MaxCashFen));
        if (reserved.Error is { Code: ErrorCodes.InsufficientBalance } insufficient)
        {
            var failed = state.State.Failed(insufficient, time.GetUtcNow(), Fingerprints.AuthCode(command.AuthCode!));
            await SaveAsync(failed.WithNotification(Notification(failed, WireNames.OrderEvents.Failed)));
            ScheduleDelivery();
            LogMoved();
            await UpdateReminderAsync();
            return Result();
        }

        if (!reserved.IsOk)
        {
            // A refused consent or an unusable voucher changes nothing: the order stays payable.
            return reserved.Error!;
        }

        var r = reserved.Value!;
        await hooks.AtAsync(FlowStep.AfterReserve, OrderId);
        // A reservation made before this request (by one a crash interrupted) may already have reached the platform.
        return await PayWithAsync(r, command.AuthCode, resume: r.ReservedAt < requested, path);
    }

    /// <summary>
    /// Settles the payment the voucher's reservation stands for. The reservation is the payment's intent: it holds the
    /// settlement id and the split, and the voucher's check of reservations held too long finds it after any crash. So
    /// the order writes nothing before calling out: "paying" is recorded with the outcome, or alone only if the outcome
    /// stays unknown. Until then it is in this activation's memory; if anything fails before a write, the activation
    /// goes, and the next one starts again from storage (the reservation is found again, and settling resumes).
    /// </summary>
    private async Task<Result<PaymentResult>> PayWithAsync(Reservation r, string? authCode, bool resume, string path = MedPayMetrics.Paths.Recovery)
    {
        state.State = state.State.Paying(r, authCode is null ? null : Fingerprints.AuthCode(authCode), time.GetUtcNow());
        try
        {
            return await SettleAsync(resume, path);
        }
        catch (Exception e)
        {
            state.State = _durable;
            if (e is not InconsistentStateException)
            {
                this.DeactivateOnIdle();
            }

            throw;
        }
    }

    /// <summary>
    /// Drives the settlement to its outcome and records it, with the exchange's record, in one write. The platform and
    /// the cash channel keep every settlement by id, so a crash before that write loses nothing: the next attempt asks
    /// them first and finds the same outcome. The outcome is then durable at the platform, so the merchant may hear of
    /// it before the order's write (see <see cref="TryFirstDeliveryAsync"/>).
    /// </summary>
    /// <param name="resume">False only for a reservation this request made: nothing can have reached the platform yet.</param>
    /// <param name="path">How the payment came (direct, merchant, or recovery after a crash or an unknown outcome), for the metrics.</param>
    private async Task<Result<PaymentResult>> SettleAsync(bool resume, string path = MedPayMetrics.Paths.Recovery)
    {
        var current = state.State;
        var order = current.Command!;
        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(order.UserId);
        var request = new SettlementRequest(current.SettlementId!, OrderId, order.MerchantId, order.UserId, current.VoucherNo!, current.InsuredRegion!, current.Split!);
        var record = await SettlementRecordAsync(current, request, resume);
        if (record.Status is not (SettlementStatus.Succeeded or SettlementStatus.Declined or SettlementStatus.Mismatch))
        {
            record = await exchange.SettleAsync(record, mayHaveSent: resume || record.Status != SettlementStatus.Pending);
            record = record with { UpdatedAt = time.GetUtcNow() };
            logger.LogInformation("Settlement {SettlementId} is {Status}", record.SettlementId, record.Status);
        }

        await hooks.AtAsync(FlowStep.AfterSettlement, OrderId);
        current = state.State = state.State.WithSettlement(record);
        switch (record.Status)
        {
            // The order records the outcome before the voucher lets go of the reservation: until it does, the voucher's
            // check of reservations held too long finds any payment a crash interrupted, at every step, and asks the order.
            case SettlementStatus.Succeeded:
            {
                var settled = current.Settled(record, time.GetUtcNow());
                var notification = await TryFirstDeliveryAsync(settled, Notification(settled, WireNames.OrderEvents.Settled));
                await SaveAsync(settled.WithNotification(notification));
                ScheduleDelivery();
                LogMoved();
                await hooks.AtAsync(FlowStep.BeforeCommit, OrderId);
                await voucher.CommitAsync(OrderId);
                break;
            }

            case SettlementStatus.Declined:
            {
                var failed = current.Failed(record.Failure!, time.GetUtcNow());
                var notification = await TryFirstDeliveryAsync(failed, Notification(failed, WireNames.OrderEvents.Failed));
                await SaveAsync(failed.WithNotification(notification));
                ScheduleDelivery();
                LogMoved();
                await voucher.ReleaseAsync(OrderId);
                break;
            }

            case SettlementStatus.Mismatch:
            {
                // Rule 5: amounts reported back that disagree are never overwritten; a person decides.
                var held = current.HeldForReview(record.Failure!, time.GetUtcNow(), record.PlatformRef);
                var notification = await TryFirstDeliveryAsync(held, Notification(held, WireNames.OrderEvents.ManualReview));
                await SaveAsync(held.WithNotification(notification));
                ScheduleDelivery();
                LogMoved();
                await EnqueueForReviewAsync();
                break;
            }

            default:
                var waited = time.GetUtcNow() - (current.PayingSince ?? current.UpdatedAt);
                if (waited >= recovery.Value.ManualReviewAfter)
                {
                    // Unknown is not an outcome: nothing is durable elsewhere, so the merchant hears of it only after this write.
                    var reason = $"the outcome of settlement {record.SettlementId} is still unknown after {waited.TotalMinutes:F0} minutes";
                    var held = current.HeldForReview(new(ErrorCodes.SettlementUnknown, reason), time.GetUtcNow());
                    await SaveAsync(held.WithNotification(Notification(held, WireNames.OrderEvents.ManualReview)));
                    ScheduleDelivery();
                    LogMoved();
                    await EnqueueForReviewAsync();
                }
                else
                {
                    if (_durable.Status != OrderStatus.Paying || _durable.Settlement?.PlatformRef != record.PlatformRef || _durable.Settlement?.CashRef != record.CashRef)
                    {
                        // The answer is "paying": it is written, with what the exchange got done so far, and the order's
                        // reminder keeps asking.
                        await SaveAsync(state.State);
                    }

                    logger.LogWarning("Order {OrderId}: the outcome of settlement {SettlementId} is unknown; it stays paying", OrderId, record.SettlementId);
                }

                break;
        }

        metrics.PaymentRecorded(
            state.State.Status switch
            {
                OrderStatus.Settled => "settled",
                OrderStatus.Failed => "failed",
                OrderStatus.ManualReview => "manual_review",
                _ => "unknown",
            },
            path,
            time.GetUtcNow() - (current.PayingSince ?? current.UpdatedAt));
        await UpdateReminderAsync();
        return Result();
    }

    /// <summary>
    /// The settlement's record to carry on from: the order's own; on a resume of a payment started before orders kept
    /// it, the one the payment-gateway grain wrote; or a new one.
    /// </summary>
    private async Task<SettlementRecord> SettlementRecordAsync(OrderState current, SettlementRequest request, bool resume)
    {
        var record = current.Settlement;
        if (record is null && resume)
        {
            record = await GrainFactory.GetGrain<IPaymentGatewayGrain>(request.SettlementId).GetAsync();
        }

        if (record is not null && record.Request != request)
        {
            throw new InvalidOperationException($"Settlement {request.SettlementId} was started with another request.");
        }

        return record ?? new SettlementRecord(request.SettlementId, SettlementStatus.Pending, request, null, null, null, 0, time.GetUtcNow());
    }

    /// <summary>
    /// A repeated request gets the first answer, given only once the voucher agrees with it: a crash may have come
    /// between the order's outcome and the voucher's commit or release, which the voucher's check would finish later.
    /// Both are no-ops when already done, so a client that reads the voucher after a settled answer always sees the
    /// payment in its balance, not still reserved.
    /// </summary>
    private async Task<Result<PaymentResult>> AnswerAgainAsync(OrderState current)
    {
        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(current.Command!.UserId);
        switch (current.Status)
        {
            case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                await voucher.CommitAsync(OrderId);
                break;
            case OrderStatus.Failed:
                await voucher.ReleaseAsync(OrderId);
                break;
        }

        return Result();
    }

    /// <summary>
    /// Asked by the voucher about a reservation that has been held too long: a crash may have left it behind.
    /// The order finishes what it started, or gives the reservation back if it never started paying.
    /// </summary>
    private async Task ReconcileOnceAsync()
    {
        var current = state.State;
        var voucher = current.Command is null ? null : GrainFactory.GetGrain<IEVoucherGrain>(current.Command.UserId);
        switch (current.Status)
        {
            case OrderStatus.Paying:
                await SettleAsync(resume: true);
                break;
            case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                await voucher!.CommitAsync(OrderId);
                break;
            case OrderStatus.Created when voucher is not null:
                await FinishInterruptedPaymentAsync(voucher);
                break;
            case OrderStatus.Failed or OrderStatus.Cancelled or OrderStatus.Expired when voucher is not null:
                logger.LogInformation("Order {OrderId}: releasing a reservation it never settled", OrderId);
                await voucher.ReleaseAsync(OrderId);
                break;
        }
    }

    /// <summary>
    /// A created order whose voucher holds a reservation for it had a payment interrupted by a crash: the payment may have
    /// reached the platform, so it is finished (the gateway asks the platform before it sends anything again), never
    /// given back blindly.
    /// </summary>
    private async Task FinishInterruptedPaymentAsync(IEVoucherGrain voucher)
    {
        if (await voucher.HeldReservationAsync(OrderId) is { } held)
        {
            logger.LogInformation("Order {OrderId}: finishing a payment that was interrupted after its reservation", OrderId);
            await PayWithAsync(held, null, resume: true);
        }
    }
}
