using System.Collections.Immutable;
using System.Text.Json;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Grains.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace MedPay.Grains;

/// <summary>A result notification waiting in the order's outbox, written in the same state write as the outcome it reports.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OutboxEvent")]
public sealed record OutboxEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Body,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] NotificationStatus Status,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset NextAttemptAt,
    [property: Id(7)] DateTimeOffset? DeliveredAt,
    [property: Id(8)] string? LastError)
{
    /// <summary>How its delivery went, without its body: what views show and the order's delivery log keeps.</summary>
    public NotificationView View() => new(EventId, Type, Status, Attempts, CreatedAt, DeliveredAt, LastError);
}

[GenerateSerializer, Immutable, Alias("medpay.OrderState")]
public sealed record OrderState
{
    [Id(0)] public CreateOrderCommand? Command { get; init; }
    [Id(1)] public OrderStatus Status { get; init; }
    [Id(2)] public long TotalFen { get; init; }
    [Id(3)] public Split? Split { get; init; }
    [Id(4)] public string? SettlementId { get; init; }
    [Id(5)] public string? PlatformSettlementRef { get; init; }
    [Id(6)] public Failure? Failure { get; init; }
    [Id(7)] public ImmutableList<OrderHistoryEntry> History { get; init; } = [];
    [Id(8)] public DateTimeOffset CreatedAt { get; init; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(10)] public string? VoucherNo { get; init; }
    [Id(11)] public string? InsuredRegion { get; init; }
    /// <summary>The hash of the authorization code that paid (or tried to pay): a repeat with it gets the same answer.</summary>
    [Id(12)] public string? AuthCodeHash { get; init; }
    [Id(13)] public DateTimeOffset? PayingSince { get; init; }
    [Id(14)] public ImmutableList<RefundView> Refunds { get; init; } = [];
    [Id(15)] public ImmutableList<OutboxEvent> Outbox { get; init; } = [];
    /// <summary>The segment of its merchant's daily index shard that holds this order's line; null for orders from before segments.</summary>
    [Id(16)] public int? IndexSegment { get; init; }
    /// <summary>The segment of its user's index that holds this order's line; null for orders from before user segments.</summary>
    [Id(17)] public int? UserIndexSegment { get; init; }
    /// <summary>Finished notifications, newest last, at most <see cref="NotificationOptions.DeliveryLogSize"/>; the outbox keeps only pending ones.</summary>
    [Id(18)] public ImmutableList<NotificationView> Deliveries { get; init; } = [];
    /// <summary>Finished notifications dropped from <see cref="Deliveries"/> (the oldest first).</summary>
    [Id(19)] public int DeliveriesDropped { get; init; }
    /// <summary>History entries dropped to keep <see cref="History"/> at <see cref="OrderOptions.MaxHistoryEntries"/> (the first entry is always kept).</summary>
    [Id(20)] public int HistoryDropped { get; init; }
    /// <summary>
    /// The settlement exchange's record (platform and cash references, calls sent), written with the outcome, or with
    /// "paying" when the outcome is unknown, so that a resume carries on from it. Null for orders paid before orders kept it.
    /// </summary>
    [Id(21)] public SettlementRecord? Settlement { get; init; }
}

/// <summary>
/// The coordinator of one order: its payment, refunds, cancellation and expiry, and the notifications of their outcomes.
/// A durable state machine: it writes its intent ("paying, settlement S", "refund R pending") before anything leaves
/// MedPay, and while any work is open something drives it forward after any crash: for an unpaid order, its merchant's
/// index sweep (expiry); for a payment under way, the voucher's check of reservations held too long (the order records
/// the outcome before the voucher lets go of the reservation); for an unknown outcome, a pending refund or a notification
/// to retry, the order's own reminder. Every step is idempotent by order id, settlement id and refund id, so resuming is
/// always safe.
/// </summary>
public sealed class MedicalOrderGrain(
    [PersistentState("order", MedPayGrainServices.StorageName)] IPersistentState<OrderState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IPaymentFlowHooks hooks,
    PlatformExchange exchange,
    ICallbackSender callbacks,
    IOptions<RecoveryOptions> recovery,
    IOptions<OrderOptions> orderOptions,
    IOptions<NotificationOptions> notificationOptions,
    ILogger<MedicalOrderGrain> logger) : Grain, IMedicalOrderGrain, IRemindable
{
    private const string ResumeReminder = "resume";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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
        await UpdateReminderAsync(mayUnregister: true);
    }

    private async Task ExpireIfDueOnceAsync()
    {
        var current = state.State;
        if (current.Status == OrderStatus.Created && time.GetUtcNow() - current.CreatedAt >= orderOptions.Value.UnpaidExpiry)
        {
            await CancelOnceAsync("not paid in time", OrderStatus.Expired);
        }
    }

    private async Task<Result<CreateOrderResult>> CreateOnceAsync(CreateOrderCommand command)
    {
        var validated = OrderRules.Validate(command);
        if (!validated.IsOk)
        {
            return validated.Error!;
        }

        if (OrderIds.For(command.MerchantId, command.MerchantOrderNo) != OrderId)
        {
            throw new ArgumentException("The order id does not match the merchant id and merchant order number.", nameof(command));
        }

        if (state.State.Command is { } existing)
        {
            if (!OrderRules.SameContent(existing, command))
            {
                return new Failure(ErrorCodes.OrderConflict, "This merchant order number is already used for an order with other content.");
            }

            // A repeat: the line again, in case the first request failed after the order was stored and before its line
            // was (an identical line writes nothing), so that a created order answered is always listed.
            await IndexAsync(state.State);
            return new CreateOrderResult(View(state.State), Created: false);
        }

        var voucher = await GrainFactory.GetGrain<IEVoucherGrain>(command.UserId).GetAsync();
        if (!voucher.IsOk)
        {
            return voucher.Error!;
        }

        var now = time.GetUtcNow();
        var merchantSegment = GrainFactory.GetGrain<IOrderIndexGrain>(MerchantShardKey(command.MerchantId, now)).AssignSegmentAsync();
        var userSegment = GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.User(command.UserId)).AssignSegmentAsync();
        await Task.WhenAll(merchantSegment, userSegment);
        await SaveAsync(new OrderState
        {
            IndexSegment = await merchantSegment,
            UserIndexSegment = await userSegment,
            Command = command,
            Status = OrderStatus.Created,
            TotalFen = validated.Value,
            History = [new(now, OrderStatus.Created, $"created by merchant {command.MerchantId}")],
            CreatedAt = now,
            UpdatedAt = now,
        });
        // The order's only index writes: its lines, durable before the answer. If they fail, so does the request, and
        // its repeat writes them. No reminder of its own while unpaid: the merchant's index sweeps its unpaid orders.
        await IndexAsync(state.State);
        return new CreateOrderResult(View(state.State), Created: true);
    }

    private async Task<Result<PaymentResult>> PayOnceAsync(PayOrderCommand command)
    {
        var current = state.State;
        // On the direct path only the order's own user pays it; for anyone else it does not exist.
        if (current.Command is null || (command.PayerUserId is not null && command.PayerUserId != current.Command.UserId))
        {
            return NotFound();
        }

        if (current.AuthCodeHash is not null && current.AuthCodeHash == Fingerprints.AuthCode(command.AuthCode ?? ""))
        {
            // The same consent again (a repeated request): the payment it started, not a second one.
            return current.Status == OrderStatus.Paying ? await SettleAsync(resume: true) : await AnswerAgainAsync(current);
        }

        switch (current.Status)
        {
            case OrderStatus.Paying:
                return await SettleAsync(resume: true);
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
            await MoveAsync(OrderStatus.Failed, insufficient.Message, s => s with { Failure = insufficient, AuthCodeHash = Fingerprints.AuthCode(command.AuthCode!) }, "order.failed");
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
        return await PayWithAsync(r, command.AuthCode, resume: r.ReservedAt < requested);
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
    /// Settles the payment the voucher's reservation stands for. The reservation is the payment's intent: it holds the
    /// settlement id and the split, and the voucher's check of reservations held too long finds it after any crash. So
    /// the order writes nothing before calling out: "paying" is recorded with the outcome, or alone only if the outcome
    /// stays unknown. Until then it is in this activation's memory; if anything fails before a write, the activation
    /// goes, and the next one starts again from storage (the reservation is found again, and settling resumes).
    /// </summary>
    private async Task<Result<PaymentResult>> PayWithAsync(Reservation r, string? authCode, bool resume)
    {
        state.State = Moved(
            OrderStatus.Paying,
            $"settlement {r.SettlementId}: fund {r.Split.FundFen}, personal account {r.Split.PersonalAccountFen}, cash {r.Split.CashFen} fen",
            s => s with
            {
                Split = r.Split,
                SettlementId = r.SettlementId,
                VoucherNo = r.VoucherNo,
                InsuredRegion = r.InsuredRegion,
                // The consent that paid: a repeat with it gets the same answer, also when a crash's recovery finished the payment.
                AuthCodeHash = authCode is null ? r.AuthCodeHash ?? s.AuthCodeHash : Fingerprints.AuthCode(authCode),
                PayingSince = r.ReservedAt,
            });
        try
        {
            return await SettleAsync(resume);
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
        await SaveAsync(Noted($"refund {refund.RefundId} of {refund.AmountFen} fen requested: {command.Reason}", s => s with { Refunds = s.Refunds.Add(refund) }, now));
        await UpdateReminderAsync();
        await hooks.AtAsync(FlowStep.BeforeRefund, OrderId);
        return await DriveRefundAsync(refund);
    }

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
                var done = refund with { Status = RefundStatus.Succeeded, PlatformRefundRef = record.PlatformRef, CompletedAt = time.GetUtcNow() };
                var refundedAll = state.State.Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.AmountFen) + refund.AmountFen == current.Split!.TotalFen;
                await MoveAsync(
                    refundedAll ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded,
                    $"refund {refund.RefundId} of {refund.AmountFen} fen: fund {refund.Split.FundFen}, personal account {refund.Split.PersonalAccountFen}, cash {refund.Split.CashFen}",
                    s => s with { Refunds = Replace(s.Refunds, done) },
                    "order.refunded",
                    done,
                    outcomeDurable: true);
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
                }

                break;
        }

        await UpdateReminderAsync();
        return state.State.Refunds.Find(r => r.RefundId == refund.RefundId)!;
    }

    /// <summary>
    /// Holds a refund for manual review with <paramref name="reason"/>: recorded on the refund and in the history, and the
    /// merchant is told (<c>order.refund_review</c>) in the same write. The order keeps its status; nothing drives the
    /// refund any more, and its amount still counts against what is left to refund.
    /// </summary>
    private async Task HoldRefundAsync(RefundView refund, RefundRecord record, Failure reason, bool outcomeDurable)
    {
        var held = refund with { Status = RefundStatus.ManualReview, Failure = reason, PlatformRefundRef = record.PlatformRef ?? refund.PlatformRefundRef };
        await RecordAsync(
            Noted($"refund {refund.RefundId} of {refund.AmountFen} fen held for manual review: {reason.Message}", s => s with { Refunds = Replace(s.Refunds, held) }),
            "order.refund_review",
            held,
            outcomeDurable);
        logger.LogWarning("Order {OrderId}: refund {RefundId} is held for manual review ({Code})", OrderId, refund.RefundId, reason.Code);
    }

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

        var cause = to == OrderStatus.Expired ? $"expired: {reason}" : $"cancelled: {reason}";
        await MoveAsync(to, cause, s => s, to == OrderStatus.Expired ? "order.expired" : "order.cancelled");
        await UpdateReminderAsync();
        return View(state.State);
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

    /// <summary>
    /// Drives the settlement to its outcome and records it, with the exchange's record, in one write. The platform and
    /// the cash channel keep every settlement by id, so a crash before that write loses nothing: the next attempt asks
    /// them first and finds the same outcome.
    /// </summary>
    /// <param name="resume">False only for a reservation this request made: nothing can have reached the platform yet.</param>
    private async Task<Result<PaymentResult>> SettleAsync(bool resume)
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
        current = state.State = state.State with { Settlement = record };
        switch (record.Status)
        {
            // The order records the outcome before the voucher lets go of the reservation: until it does, the voucher's
            // check of reservations held too long finds any payment a crash interrupted, at every step, and asks the order.
            case SettlementStatus.Succeeded:
                await MoveAsync(OrderStatus.Settled, $"settled at the platform as {record.PlatformRef}", s => s with { PlatformSettlementRef = record.PlatformRef }, "order.settled", outcomeDurable: true);
                await hooks.AtAsync(FlowStep.BeforeCommit, OrderId);
                await voucher.CommitAsync(OrderId);
                break;
            case SettlementStatus.Declined:
                await MoveAsync(OrderStatus.Failed, record.Failure!.Message, s => s with { Failure = record.Failure }, "order.failed", outcomeDurable: true);
                await voucher.ReleaseAsync(OrderId);
                break;
            case SettlementStatus.Mismatch:
                // Rule 5: amounts reported back that disagree are never overwritten; a person decides.
                await MoveAsync(OrderStatus.ManualReview, record.Failure!.Message, s => s with { Failure = record.Failure, PlatformSettlementRef = record.PlatformRef }, "order.manual_review", outcomeDurable: true);
                break;
            default:
                var waited = time.GetUtcNow() - (current.PayingSince ?? current.UpdatedAt);
                if (waited >= recovery.Value.ManualReviewAfter)
                {
                    var reason = $"the outcome of settlement {record.SettlementId} is still unknown after {waited.TotalMinutes:F0} minutes";
                    await MoveAsync(OrderStatus.ManualReview, reason, s => s with { Failure = new(ErrorCodes.SettlementUnknown, reason) }, "order.manual_review");
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
    /// The resume reminder exists while the order has open work (paying, a pending refund, an undelivered notification).
    /// It is registered on the way in; it removes itself on its next tick once nothing is open, so that finishing a
    /// payment costs no reminder operation on its path.
    /// </summary>
    private async Task UpdateReminderAsync(bool mayUnregister = false)
    {
        var s = state.State;
        var open = s.Status == OrderStatus.Paying
            || s.Refunds.Any(r => r.Status == RefundStatus.Pending)
            || s.Outbox.Any(e => e.Status == NotificationStatus.Pending);
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

    /// <summary>Moves the order and, for an outcome the merchant is told about, puts the notification in the outbox in the same write.</summary>
    /// <param name="outcomeDurable">
    /// The outcome is already durable elsewhere (the gateway's record of the settlement or refund), so the merchant may
    /// hear of it before this write: a crash in between finds the same outcome again when the order resumes and sends
    /// the same event (same id) again, which at-least-once allows. One write then records the outcome and its first
    /// delivery attempt, instead of one for each. Only when no earlier notification is still waiting, to keep the order
    /// of events.
    /// </param>
    private async Task MoveAsync(OrderStatus to, string cause, Func<OrderState, OrderState> change, string? notify = null, RefundView? refund = null, bool outcomeDurable = false)
    {
        await RecordAsync(Moved(to, cause, change), notify, refund, outcomeDurable);
        logger.LogInformation("Order {OrderId} is {Status}", OrderId, to);
    }

    /// <summary>Writes <paramref name="next"/> and, for an outcome the merchant is told about, the notification with it (see <see cref="MoveAsync"/>).</summary>
    private async Task RecordAsync(OrderState next, string? notify, RefundView? refund, bool outcomeDurable)
    {
        var now = next.UpdatedAt;
        if (notify is not null)
        {
            var eventId = refund is null ? $"{OrderId}:{notify}" : $"{OrderId}:{notify}:{refund.RefundId}";
            var pending = new OutboxEvent(eventId, notify, EventBody(eventId, notify, next, refund, now), now, NotificationStatus.Pending, 0, now, null, null);
            if (outcomeDurable && !next.Outbox.Any(e => e.Status == NotificationStatus.Pending))
            {
                pending = await DeliverAsync(pending, await CallbackTargetAsync(), firstAttempt: true);
            }

            next = next with { Outbox = next.Outbox.Add(pending) };
        }

        await SaveAsync(next);
        if (notify is not null)
        {
            ScheduleDelivery();
        }
    }

    /// <summary>The order's state moved to <paramref name="to"/>, with the history entry; not yet written.</summary>
    private OrderState Moved(OrderStatus to, string cause, Func<OrderState, OrderState> change)
    {
        OrderTransitions.EnsureCanMove(state.State.Status, to);
        return WithEntry(to, cause, change, time.GetUtcNow());
    }

    /// <summary>The order's state with a change and its history entry, in the status it is in; not yet written.</summary>
    private OrderState Noted(string cause, Func<OrderState, OrderState> change, DateTimeOffset? at = null) =>
        WithEntry(state.State.Status, cause, change, at ?? time.GetUtcNow());

    /// <summary>The order's state with a change, in <paramref name="status"/>, and the history entry that says why.</summary>
    private OrderState WithEntry(OrderStatus status, string cause, Func<OrderState, OrderState> change, DateTimeOffset now)
    {
        var current = state.State;
        return change(current) with
        {
            Status = status,
            UpdatedAt = now,
            History = current.History.Add(new(now, status, cause)),
        };
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

    /// <summary>Sends every notification that is due; at-least-once, each with its stable event id.</summary>
    private async Task DeliverDueAsync()
    {
        var now = time.GetUtcNow();
        var due = state.State.Outbox.Where(e => e.Status == NotificationStatus.Pending && e.NextAttemptAt <= now).ToList();
        if (due.Count > 0)
        {
            var target = await CallbackTargetAsync();
            var outbox = state.State.Outbox;
            foreach (var pending in due)
            {
                outbox = outbox.Replace(pending, await DeliverAsync(pending, target));
            }

            await SaveAsync(state.State with { Outbox = outbox });
            await UpdateReminderAsync();
        }

        ScheduleDelivery();
    }

    private Task<CallbackTarget?> CallbackTargetAsync() => GrainFactory.GetGrain<IMerchantGrain>(state.State.Command!.MerchantId).GetCallbackTargetAsync();

    /// <param name="firstAttempt">Made on the way to answering a payment or refund: it waits at most <see cref="NotificationOptions.FirstAttemptTimeout"/>.</param>
    private async Task<OutboxEvent> DeliverAsync(OutboxEvent pending, CallbackTarget? target, bool firstAttempt = false)
    {
        var options = notificationOptions.Value;
        if (target?.Url is not { } url)
        {
            return pending with { Status = NotificationStatus.Failed, LastError = target is null ? "the merchant is not registered" : "the merchant has no callback address" };
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

        var attempts = pending.Attempts + 1;
        if (attempt.Acknowledged)
        {
            return pending with { Status = NotificationStatus.Delivered, Attempts = attempts, DeliveredAt = time.GetUtcNow(), LastError = null };
        }

        logger.LogWarning("Order {OrderId}: notification {EventId} not acknowledged (attempt {Attempts}): {Error}", OrderId, pending.EventId, attempts, attempt.Error);
        return attempts >= options.MaxAttempts
            ? pending with { Status = NotificationStatus.Failed, Attempts = attempts, LastError = attempt.Error }
            : pending with { Attempts = attempts, LastError = attempt.Error, NextAttemptAt = time.GetUtcNow() + CallbackBackoff.After(attempts, options.FirstRetry, options.MaxRetry, Random.Shared) };
    }

    private async Task SaveAsync(OrderState next)
    {
        next = Compacted(next, notificationOptions.Value.DeliveryLogSize, orderOptions.Value.MaxHistoryEntries);
        await state.SaveAsync(next, this);
        _durable = next;
    }

    /// <summary>
    /// Keeps an order's state bounded: finished notifications leave the outbox (and their bodies) for the delivery log,
    /// which keeps the last <paramref name="deliveryLogSize"/>; the history keeps its first entry and the latest ones, at
    /// most <paramref name="maxHistory"/>. What is dropped is counted. With refunds capped, every list is bounded.
    /// </summary>
    internal static OrderState Compacted(OrderState s, int deliveryLogSize, int maxHistory)
    {
        var finished = s.Outbox.Where(e => e.Status != NotificationStatus.Pending).ToList();
        var deliveries = s.Deliveries;
        var outbox = s.Outbox;
        if (finished.Count > 0)
        {
            deliveries = deliveries.AddRange(finished.Select(e => e.View()));
            outbox = outbox.RemoveAll(e => e.Status != NotificationStatus.Pending);
        }

        var keep = Math.Max(1, deliveryLogSize);
        var droppedDeliveries = Math.Max(0, deliveries.Count - keep);
        var history = s.History;
        var historyCap = Math.Max(2, maxHistory);
        var droppedHistory = Math.Max(0, history.Count - historyCap);
        if (finished.Count == 0 && droppedDeliveries == 0 && droppedHistory == 0)
        {
            return s;
        }

        return s with
        {
            Outbox = outbox,
            Deliveries = droppedDeliveries > 0 ? deliveries.RemoveRange(0, droppedDeliveries) : deliveries,
            DeliveriesDropped = s.DeliveriesDropped + droppedDeliveries,
            History = droppedHistory > 0 ? history.RemoveRange(1, droppedHistory) : history,
            HistoryDropped = s.HistoryDropped + droppedHistory,
        };
    }

    /// <summary>
    /// Writes the order's line in the user's and the merchant's listings: what is fixed at creation, so it is written once
    /// and never goes stale (listings read the status, split and refunds live from the order). Awaited and not caught: an
    /// order is answered as created only once it is listed (and its unpaid expiry is in its merchant index's sweep).
    /// </summary>
    private async Task IndexAsync(OrderState s)
    {
        var order = s.Command!;
        var line = new OrderSummary(OrderId, order.MerchantId, order.MerchantOrderNo, order.UserId, OrderStatus.Created, s.TotalFen, null, 0, s.CreatedAt, s.CreatedAt);
        await Task.WhenAll(
            GrainFactory.GetGrain<IOrderIndexGrain>(s.UserIndexSegment is { } userSegment
                ? OrderIndexKeys.Segment(OrderIndexKeys.User(order.UserId), userSegment)
                : OrderIndexKeys.User(order.UserId)).UpsertAsync(line),
            GrainFactory.GetGrain<IOrderIndexGrain>(s.IndexSegment is { } segment
                ? OrderIndexKeys.Segment(MerchantShardKey(order.MerchantId, s.CreatedAt), segment)
                : MerchantShardKey(order.MerchantId, s.CreatedAt)).UpsertAsync(line));
    }

    /// <summary>The order's listing line as it is in <paramref name="s"/>.</summary>
    private OrderSummary Summary(OrderState s) => new(
        OrderId, s.Command!.MerchantId, s.Command.MerchantOrderNo, s.Command.UserId, s.Status, s.TotalFen, s.Split,
        s.Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.AmountFen), s.CreatedAt, s.UpdatedAt);

    private string MerchantShardKey(string merchantId, DateTimeOffset createdAt) =>
        OrderIndexKeys.MerchantDay(merchantId, DateOnly.FromDateTime(createdAt.UtcDateTime), OrderIndexKeys.ShardOf(OrderId));

    private void Reloaded()
    {
        _durable = state.State;
        _resume?.Forget();
    }

    /// <summary>One settlement per order: a failed payment is final, and a repeat resumes the same settlement.</summary>
    public static string SettlementIdFor(string orderId) => $"{orderId}{OrderIds.Separator}1";

    private static ImmutableList<RefundView> Replace(ImmutableList<RefundView> refunds, RefundView refund) =>
        refunds.Replace(refunds.Find(r => r.RefundId == refund.RefundId)!, refund);

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
