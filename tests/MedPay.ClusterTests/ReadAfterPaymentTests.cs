using MedPay.Platform;
using MedPay.Contracts;
using MedPay.Grains;

namespace MedPay.ClusterTests;

/// <summary>
/// What a client reading the voucher sees around a payment: the order records its outcome before the voucher commits,
/// so between the two the payment is shown reserved; a settled answer is given only after the commit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReadAfterPaymentTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task Between_the_orders_outcome_and_the_commit_the_payment_is_reserved_and_after_the_settled_answer_it_is_committed()
    {
        var (userId, opened, _, _, pause, paying) = await PaymentHeldBeforeCommitAsync();
        var between = (await _s.Voucher(userId).GetAsync()).Value!;
        pause.Release();
        var paid = (await paying).Value!;
        var after = (await _s.Voucher(userId).GetAsync()).Value!;

        // In between: the old balance, the payment reserved; what is left to spend is already right.
        Assert.Equal(opened.PersonalAccountBalanceFen, between.PersonalAccountBalanceFen);
        Assert.Equal(8_000, between.ReservedFen);
        // After the settled answer, at once: committed.
        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(opened.PersonalAccountBalanceFen - 8_000, after.PersonalAccountBalanceFen);
        Assert.Equal(0, after.ReservedFen);
        Assert.Equal(between.PersonalAccountBalanceFen - between.ReservedFen, after.PersonalAccountBalanceFen - after.ReservedFen);
    }

    [Fact]
    public async Task A_repeat_answered_settled_after_the_commit_was_never_made_has_committed_the_voucher_first()
    {
        // The order records settled, then its flow dies before it asks the voucher to commit; the voucher, still active,
        // holds the payment as reserved.
        var (userId, opened, order, code, pause, paying) = await PaymentHeldBeforeCommitAsync();
        pause.Fail();
        await Assert.ThrowsAnyAsync<Exception>(() => paying);
        Assert.Equal(8_000, (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen);

        // The client repeats at once, long before the voucher's own check would commit: the answer waits for the commit.
        var repeat = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;

        Assert.Equal(OrderStatus.Settled, repeat.Status);
        Assert.Equal(opened.PersonalAccountBalanceFen - 8_000, voucher.PersonalAccountBalanceFen);
        Assert.Equal(0, voucher.ReservedFen);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, MedicalOrderGrain.SettlementIdFor(order.OrderId)));
    }

    [Fact]
    public async Task A_commit_lost_with_its_activation_is_made_again_before_the_next_activation_answers()
    {
        // The voucher commits in memory and writes the commit with its next write; here that write, made when the voucher
        // is deactivated, fails, so storage still holds the payment as reserved.
        var (userId, opened, _, _, pause, paying) = await PaymentHeldBeforeCommitAsync();
        pause.Release();
        Assert.Equal(OrderStatus.Settled, (await paying).Value!.Status);
        await fixture.Medpay.FailNextWriteAsync(_s.Voucher(userId), "voucher", new IOException("injected storage failure"));
        await fixture.Medpay.Cluster.DeactivateAsync(_s.Voucher(userId));

        // The next activation asks the order of the reservation it finds, and commits it before its first answer.
        var reread = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen - 8_000, reread.PersonalAccountBalanceFen);
        Assert.Equal(0, reread.ReservedFen);
    }

    [Fact]
    public async Task A_commit_not_yet_written_is_written_when_the_voucher_is_deactivated()
    {
        var (userId, opened, _, _, pause, paying) = await PaymentHeldBeforeCommitAsync();
        pause.Release();
        Assert.Equal(OrderStatus.Settled, (await paying).Value!.Status);

        await fixture.Medpay.Cluster.DeactivateAsync(_s.Voucher(userId));
        var reread = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen - 8_000, reread.PersonalAccountBalanceFen);
        Assert.Equal(0, reread.ReservedFen);
    }

    /// <summary>A payment of 8,000 fen from the personal account, held after the order recorded settled, before the voucher commits.</summary>
    private async Task<(string UserId, VoucherView Opened, OrderView Order, string Code, FlowPause Pause, Task<Result<PaymentResult>> Paying)> PaymentHeldBeforeCommitAsync()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(8_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        var pause = TestWorld.Flow.PauseAt(order.OrderId, FlowStep.BeforeCommit);
        var paying = _s.Order(order.OrderId).PayAsync(new(code, null));
        await pause.Reached.WaitAsync(Patience);
        return (userId, opened, order, code, pause, paying);
    }
}
