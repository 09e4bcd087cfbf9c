using MedPay.Contracts;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class DurabilityTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task Orders_and_vouchers_survive_grain_deactivation()
    {
        var (userId, order, payment) = await _s.PayNewOrderAsync(80, "330100", null, null, Scenario.A(40_000), Scenario.C(1_000));
        // Let the result notification settle (the merchant is not registered: it fails at once) so the order is at rest.
        await Eventually.HoldsAsync(async () => (await _s.Order(order.OrderId).GetAsync()).Value!.Notifications.All(n => n.Status != NotificationStatus.Pending));
        var orderBefore = (await _s.Order(order.OrderId).GetAsync()).Value!;
        var voucherBefore = (await _s.Voucher(userId).GetAsync()).Value!;

        await fixture.Medpay.Cluster.DeactivateAsync(_s.Order(order.OrderId));
        await fixture.Medpay.Cluster.DeactivateAsync(_s.Voucher(userId));

        Assert.Equivalent(orderBefore, (await _s.Order(order.OrderId).GetAsync()).Value!, strict: true);
        Assert.Equal(voucherBefore, (await _s.Voucher(userId).GetAsync()).Value);
        // The settlement's record is kept by the order, written with its outcome.
        var record = (await _s.Order(order.OrderId).GetSettlementAsync())!;
        Assert.Equal(SettlementStatus.Succeeded, record.Status);
        Assert.Equal(payment.Value!.SettlementId, record.SettlementId);
        Assert.Equal(payment.Value.PlatformSettlementRef, record.PlatformRef);
    }
}

/// <summary>Its own cluster: these tests stop the whole cluster and start a new one on the same storage.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Every_acknowledged_result_survives_a_restart_of_the_whole_cluster()
    {
        var first = await MedPayCluster.StartAsync();
        string userId, paidId, createdId;
        VoucherView voucher;
        OrderView paid, created;
        string code;
        await using (first)
        {
            var s = new Scenario(first.Grains);
            Result<PaymentResult> payment;
            (userId, _, payment) = await s.PayNewOrderAsync(300, "310100", null, null, Scenario.A(200_000), Scenario.B(30_000), Scenario.C(2_000));
            paidId = payment.Value!.OrderId;
            var merchant = TestWorld.Unique("m");
            created = await s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));
            createdId = created.OrderId;
            code = await s.AuthorizeAsync(userId, merchant);
            await Eventually.HoldsAsync(async () => (await s.Order(paidId).GetAsync()).Value!.Notifications.All(n => n.Status != NotificationStatus.Pending));
            paid = (await s.Order(paidId).GetAsync()).Value!;
            voucher = (await s.Voucher(userId).GetAsync()).Value!;
        }

        await using var second = await MedPayCluster.StartAsync(serviceId: first.ServiceId, tableName: first.TableName);
        var again = new Scenario(second.Grains);
        Assert.Equivalent(paid, (await again.Order(paidId).GetAsync()).Value!, strict: true);
        Assert.Equal(voucher, (await again.Voucher(userId).GetAsync()).Value);
        Assert.Equivalent(created, (await again.Order(createdId).GetAsync()).Value!, strict: true);

        // The consent given before the restart still works after it, once.
        var after = (await again.Order(createdId).PayAsync(new(code, null))).Value!;
        Assert.Equal(OrderStatus.Settled, after.Status);
        // The year's deductible met before the restart still counts: the fund pays 80% of this order at once.
        Assert.Equal(new Split(800, 200, 0), after.Split);
        Assert.Equal(voucher.PersonalAccountBalanceFen - 200, (await again.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }
}
