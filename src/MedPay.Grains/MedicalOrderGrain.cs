using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

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
}

/// <summary>
/// The coordinator of one order's payment and a durable state machine: it writes "paying, settlement S" before the
/// settlement leaves MedPay, and while it is paying a reminder drives the settlement forward after any crash. Every
/// step (reserve, settle, commit, release) is idempotent by order id and settlement id, so resuming is always safe.
/// </summary>
public sealed class MedicalOrderGrain(
    [PersistentState("order", MedPayGrainServices.StorageName)] IPersistentState<OrderState> state,
    IClock clock,
    IPaymentFlowHooks hooks,
    IOptions<RecoveryOptions> recovery,
    ILogger<MedicalOrderGrain> logger) : Grain, IMedicalOrderGrain, IRemindable
{
    private const string ResumeReminder = "resume";

    /// <summary>What was last written; readers that interleave with a payment see only durable state.</summary>
    private OrderState _durable = null!;

    private string OrderId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durable = state.State;
        return Task.CompletedTask;
    }

    public Task<Result<CreateOrderResult>> CreateAsync(CreateOrderCommand command) => state.DecideAsync(() => CreateOnceAsync(command), Reloaded);

    public Task<Result<OrderView>> GetAsync() =>
        Task.FromResult<Result<OrderView>>(_durable.Command is null ? NotFound() : View(_durable));

    public Task<Result<PaymentResult>> PayAsync(PayOrderCommand command) => state.DecideAsync(() => PayOnceAsync(command), Reloaded);

    public Task ReconcileAsync() => state.DecideAsync(ReconcileOnceAsync, Reloaded);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder)
        {
            return;
        }

        if (state.State.Status == OrderStatus.Paying)
        {
            logger.LogInformation("Order {OrderId}: resuming its settlement", OrderId);
            await state.DecideAsync(SettleAsync, Reloaded);
        }
        else
        {
            await StopResumingAsync();
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
            return OrderRules.SameContent(existing, command)
                ? new CreateOrderResult(View(state.State), Created: false)
                : new Failure(ErrorCodes.OrderConflict, "This merchant order number is already used for an order with other content.");
        }

        var voucher = await GrainFactory.GetGrain<IEVoucherGrain>(command.UserId).GetAsync();
        if (!voucher.IsOk)
        {
            return voucher.Error!;
        }

        var now = clock.UtcNow;
        await SaveAsync(new OrderState
        {
            Command = command,
            Status = OrderStatus.Created,
            TotalFen = validated.Value,
            History = [new(now, OrderStatus.Created, $"created by merchant {command.MerchantId}")],
            CreatedAt = now,
            UpdatedAt = now,
        });
        return new CreateOrderResult(View(state.State), Created: true);
    }

    private async Task<Result<PaymentResult>> PayOnceAsync(PayOrderCommand command)
    {
        var current = state.State;
        if (current.Command is null)
        {
            return NotFound();
        }

        if (current.AuthCodeHash is not null && current.AuthCodeHash == Fingerprints.AuthCode(command.AuthCode ?? ""))
        {
            // The same consent again (a repeated request): the payment it started, not a second one.
            return current.Status == OrderStatus.Paying ? await SettleAsync() : Result();
        }

        switch (current.Status)
        {
            case OrderStatus.Paying:
                return await SettleAsync();
            case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                return new Failure(ErrorCodes.OrderAlreadyPaid, "The order is already paid.");
            case not OrderStatus.Created:
                return new Failure(ErrorCodes.OrderNotPayable, $"The order is {Describe(current.Status)} and cannot be paid.");
        }

        var order = current.Command;
        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(order.UserId);
        var reserved = await voucher.ReserveAsync(new ReserveCommand(
            OrderId, order.MerchantId, order.MerchantOrderNo, command.AuthCode ?? "", SettlementIdFor(OrderId), order.Items, command.MaxCashFen));
        if (reserved.Error is { Code: ErrorCodes.InsufficientBalance } insufficient)
        {
            await MoveAsync(OrderStatus.Failed, insufficient.Message, s => s with { Failure = insufficient, AuthCodeHash = Fingerprints.AuthCode(command.AuthCode!) });
            return Result();
        }

        if (!reserved.IsOk)
        {
            // A refused consent or an unusable voucher changes nothing: the order stays payable.
            return reserved.Error!;
        }

        var r = reserved.Value!;
        await hooks.AtAsync(FlowStep.AfterReserve, OrderId);
        await MoveAsync(
            OrderStatus.Paying,
            $"settlement {r.SettlementId}: fund {r.Split.FundFen}, personal account {r.Split.PersonalAccountFen}, cash {r.Split.CashFen} fen",
            s => s with
            {
                Split = r.Split,
                SettlementId = r.SettlementId,
                VoucherNo = r.VoucherNo,
                InsuredRegion = r.InsuredRegion,
                AuthCodeHash = Fingerprints.AuthCode(command.AuthCode!),
                PayingSince = clock.UtcNow,
            });
        await this.RegisterOrUpdateReminder(ResumeReminder, recovery.Value.ResumeEvery, recovery.Value.ResumeEvery);
        await hooks.AtAsync(FlowStep.AfterIntent, OrderId);
        return await SettleAsync();
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
                await SettleAsync();
                break;
            case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                await voucher!.CommitAsync(OrderId);
                break;
            case OrderStatus.Created or OrderStatus.Failed or OrderStatus.Cancelled when voucher is not null:
                logger.LogInformation("Order {OrderId}: releasing a reservation it never settled", OrderId);
                await voucher.ReleaseAsync(OrderId);
                break;
        }
    }

    private async Task<Result<PaymentResult>> SettleAsync()
    {
        var current = state.State;
        var order = current.Command!;
        var voucher = GrainFactory.GetGrain<IEVoucherGrain>(order.UserId);
        var gateway = GrainFactory.GetGrain<IPaymentGatewayGrain>(current.SettlementId!);
        var record = await gateway.SettleAsync(new SettlementRequest(
            current.SettlementId!, OrderId, order.MerchantId, order.UserId, current.VoucherNo!, current.InsuredRegion!, current.Split!));
        await hooks.AtAsync(FlowStep.AfterSettlement, OrderId);

        switch (record.Status)
        {
            case SettlementStatus.Succeeded:
                await voucher.CommitAsync(OrderId);
                await hooks.AtAsync(FlowStep.AfterCommit, OrderId);
                await MoveAsync(OrderStatus.Settled, $"settled at the platform as {record.PlatformRef}", s => s with { PlatformSettlementRef = record.PlatformRef });
                await StopResumingAsync();
                break;
            case SettlementStatus.Declined:
                await voucher.ReleaseAsync(OrderId);
                await MoveAsync(OrderStatus.Failed, record.Failure!.Message, s => s with { Failure = record.Failure });
                await StopResumingAsync();
                break;
            case SettlementStatus.Mismatch:
                // Rule 5: amounts reported back that disagree are never overwritten; a person decides.
                await MoveAsync(OrderStatus.ManualReview, record.Failure!.Message, s => s with { Failure = record.Failure, PlatformSettlementRef = record.PlatformRef });
                await StopResumingAsync();
                break;
            default:
                var waited = clock.UtcNow - (current.PayingSince ?? current.UpdatedAt);
                if (waited >= recovery.Value.ManualReviewAfter)
                {
                    var reason = $"the outcome of settlement {record.SettlementId} is still unknown after {waited.TotalMinutes:F0} minutes";
                    await MoveAsync(OrderStatus.ManualReview, reason, s => s with { Failure = new(ErrorCodes.SettlementUnknown, reason) });
                    await StopResumingAsync();
                }
                else
                {
                    logger.LogWarning("Order {OrderId}: the outcome of settlement {SettlementId} is unknown; it stays paying", OrderId, record.SettlementId);
                }

                break;
        }

        return Result();
    }

    private async Task StopResumingAsync()
    {
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task MoveAsync(OrderStatus to, string cause, Func<OrderState, OrderState> change)
    {
        var current = state.State;
        OrderTransitions.EnsureCanMove(current.Status, to);
        var now = clock.UtcNow;
        await SaveAsync(change(current) with
        {
            Status = to,
            UpdatedAt = now,
            History = current.History.Add(new(now, to, cause)),
        });
        logger.LogInformation("Order {OrderId} is {Status}", OrderId, to);
    }

    private async Task SaveAsync(OrderState next)
    {
        await state.SaveAsync(next, this);
        _durable = next;
    }

    private void Reloaded() => _durable = state.State;

    /// <summary>One settlement per order: a failed payment is final, and a repeat resumes the same settlement.</summary>
    public static string SettlementIdFor(string orderId) => $"{orderId}{OrderIds.Separator}1";

    private PaymentResult Result()
    {
        var s = state.State;
        return new(OrderId, s.Status, s.SettlementId, s.Split, s.PlatformSettlementRef, s.Failure);
    }

    private OrderView View(OrderState s) => new(
        OrderId, s.Command!.MerchantId, s.Command.MerchantOrderNo, s.Command.UserId, s.Status, s.Command.Items, s.TotalFen,
        s.Split, s.SettlementId, s.PlatformSettlementRef, s.Failure, [.. s.History], s.CreatedAt, s.UpdatedAt, [.. s.Refunds], []);

    private static string Describe(OrderStatus status) => status.ToString().ToLowerInvariant();

    private static Failure NotFound() => new(ErrorCodes.OrderNotFound, "No such order.");
}
