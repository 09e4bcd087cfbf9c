using MedPay.Platform;
using MedPay.Contracts;
using MedPay.Grains;
using Orleans.Storage;

namespace MedPay.ClusterTests;

/// <summary>Writes that fail (the TestingHost's fault-injection storage around Azure table storage).</summary>
[Collection(ClusterCollection.Name)]
public sealed class StorageFaultTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task An_etag_conflict_is_re_read_and_re_decided_and_pays_once()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(8_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        await fixture.Medpay.FailNextWriteAsync(_s.Order(order.OrderId), "order", new InconsistentStateException("injected ETag conflict"));
        await fixture.Medpay.FailNextWriteAsync(_s.Voucher(userId), "voucher", new InconsistentStateException("injected ETag conflict"));

        var paid = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;

        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, paid.SettlementId!));
        Assert.Equal(opened.PersonalAccountBalanceFen - paid.Split!.PersonalAccountFen, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }

    [Fact]
    public async Task A_failed_write_of_the_orders_outcome_fails_the_request_cleanly_and_a_repeat_settles_once_without_a_second_charge()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(8_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        // The order's first write in a payment is its outcome, after the platform settled.
        await fixture.Medpay.FailNextWriteAsync(_s.Order(order.OrderId), "order", new IOException("injected storage failure"));

        await Assert.ThrowsAnyAsync<Exception>(() => _s.Order(order.OrderId).PayAsync(new(code, null)));

        // Nothing half-written: the order still reads as it was stored; the voucher holds the reservation.
        var after = (await _s.Order(order.OrderId).GetAsync()).Value!;
        Assert.Equal(OrderStatus.Created, after.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, MedicalOrderGrain.SettlementIdFor(order.OrderId)));

        // The repeat finds the reservation, asks the platform first and records the settlement it finds.
        var paid = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, paid.SettlementId!));
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen - paid.Split!.PersonalAccountFen, voucher.PersonalAccountBalanceFen);
        Assert.Equal(0, voucher.ReservedFen);
    }

    [Fact]
    public async Task A_failed_write_of_the_settlement_outcome_is_finished_by_the_vouchers_check_without_a_second_charge()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(100);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(8_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        var settlementId = MedicalOrderGrain.SettlementIdFor(order.OrderId);
        // Held right after the platform settled, before the order records the outcome with the settlement's record:
        // that write is made to fail.
        var pause = TestWorld.Flow.PauseAt(order.OrderId, FlowStep.AfterPlatform);
        var paying = _s.Order(order.OrderId).PayAsync(new(code, null));
        await pause.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await fixture.Medpay.FailNextWriteAsync(_s.Order(order.OrderId), "order", new IOException("injected storage failure"));
        pause.Release();

        await Assert.ThrowsAnyAsync<Exception>(() => paying);
        // The order wrote nothing yet: the voucher's reservation is the payment's intent, and its check finishes it.
        Assert.Equal(OrderStatus.Created, (await _s.Order(order.OrderId).GetAsync()).Value!.Status);

        // Finished means the order settled and the voucher committed: the order records its outcome first.
        await Eventually.HoldsAsync(async () =>
            (await _s.Order(order.OrderId).GetAsync()).Value!.Status == OrderStatus.Settled && (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen == 0);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, settlementId));
        Assert.Equal(opened.PersonalAccountBalanceFen - 8_000, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }
}
