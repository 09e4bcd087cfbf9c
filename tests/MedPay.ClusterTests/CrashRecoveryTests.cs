using MedPay.Platform;
using MedPay.Contracts;
using MedPay.Grains;
using Orleans.TestingHost;

namespace MedPay.ClusterTests;

/// <summary>Three silos on Azure Table membership, so that any of them can be killed; silos and client authenticate each other with TLS, as in production.</summary>
public sealed class MultiSiloFixture : IAsyncLifetime
{
    public MedPayCluster Medpay { get; private set; } = null!;

    public async Task InitializeAsync() => Medpay = await MedPayCluster.StartAsync(silos: 3, azureClustering: true, tls: true);

    public async Task DisposeAsync() => await Medpay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class MultiSiloCollection : ICollectionFixture<MultiSiloFixture>
{
    public const string Name = "multi-silo";
}

[Collection(MultiSiloCollection.Name)]
public sealed class CrashRecoveryTests(MultiSiloFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    public static TheoryData<FlowStep> Steps => [FlowStep.AfterReserve, FlowStep.AfterGatewayIntent, FlowStep.AfterPlatform, FlowStep.AfterSettlement, FlowStep.BeforeCommit];

    public static TheoryData<FlowStep> RefundSteps => [FlowStep.BeforeRefund, FlowStep.AfterRefundIntent, FlowStep.AfterRefund];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_payment_whose_silo_dies_at_any_step_still_settles_exactly_once(FlowStep step)
    {
        // 5,000 fen in the personal account; 12,000 fen of goods: the platform, the personal account and cash all take part.
        var (userId, opened) = await _s.OpenVoucherAsync(5);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(10_000), Scenario.C(2_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        var stopped = TestWorld.Flow.StopAt(order.OrderId, step);

        var abandoned = _s.Order(order.OrderId).PayAsync(new(code, null));
        var silo = await stopped.WaitAsync(Patience);
        await KillAsync(silo);
        _ = abandoned.ContinueWith(t => t.Exception, TaskScheduler.Default);

        // The voucher still holds the reservation, the payment's intent: its check asks the order, which drives the
        // settlement to the end (asking the platform before sending anything again) and then has the voucher commit, on
        // a surviving silo. The same consent again gets the same answer, not a second payment.
        await Eventually.HoldsAsync(async () =>
            (await _s.Order(order.OrderId).GetAsync()).Value!.Status == OrderStatus.Settled && (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen == 0);
        Assert.Equal(OrderStatus.Settled, (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!.Status);

        var view = (await _s.Order(order.OrderId).GetAsync()).Value!;
        Assert.Equal(new Split(0, 5_000, 7_000), view.Split);
        Assert.Single(view.History, h => h.Status == OrderStatus.Settled);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, view.SettlementId!));
        Assert.Equal(7_000, (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.CashCharge, view.SettlementId!))!.CashFen);
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen - 5_000, voucher.PersonalAccountBalanceFen);
        Assert.Equal(0, voucher.ReservedFen);
    }

    [Fact]
    public async Task A_repeat_after_a_crash_between_the_platform_and_the_gateways_record_asks_the_platform_before_sending_again()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(5);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(10_000), Scenario.C(2_000));
        var code = await _s.AuthorizeAsync(userId, merchant);
        var stopped = TestWorld.Flow.StopAt(order.OrderId, FlowStep.AfterPlatform);

        var abandoned = _s.Order(order.OrderId).PayAsync(new(code, null));
        var silo = await stopped.WaitAsync(Patience);
        await KillAsync(silo);
        _ = abandoned.ContinueWith(t => t.Exception, TaskScheduler.Default);

        // At once, before the voucher's check: the repeat finds the reservation made before it, so it may have reached
        // the platform; the gateway, which recorded nothing, must ask the platform rather than send again.
        var repeat = (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!;

        Assert.Equal(OrderStatus.Settled, repeat.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, repeat.SettlementId!));
        await Eventually.HoldsAsync(async () => (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen == 0);
        Assert.Equal(opened.PersonalAccountBalanceFen - 5_000, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }

    [Theory]
    [MemberData(nameof(RefundSteps))]
    public async Task A_refund_whose_silo_dies_at_any_step_still_completes_exactly_once(FlowStep step)
    {
        var (userId, opened, paid) = await _s.PaidOrderAsync(TestWorld.Unique("m"));
        var stopped = TestWorld.Flow.StopAt(paid.OrderId, step);

        var abandoned = _s.Order(paid.OrderId).RefundAsync(new("r1", 13_000, "returned"));
        var silo = await stopped.WaitAsync(Patience);
        await KillAsync(silo);
        _ = abandoned.ContinueWith(t => t.Exception, TaskScheduler.Default);

        // The order recorded the pending refund: its reminder finishes it on a surviving silo.
        await Eventually.HoldsAsync(async () => (await _s.Order(paid.OrderId).GetAsync()).Value!.Refunds.Single().Status == RefundStatus.Succeeded);
        var order = (await _s.Order(paid.OrderId).GetAsync()).Value!;
        var refund = order.Refunds.Single();
        Assert.Equal(OrderStatus.PartiallyRefunded, order.Status);
        Assert.Equal(13_000, refund.Split.TotalFen);
        Assert.True(await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Refund, refund.RefundSettlementId) is { Outcome: PlatformOutcome.Succeeded });
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen - paid.Split!.PersonalAccountFen + refund.Split.PersonalAccountFen, voucher.PersonalAccountBalanceFen);
    }

    private async Task KillAsync(Orleans.Runtime.SiloAddress address)
    {
        var cluster = fixture.Medpay.Cluster;
        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(address));
        await cluster.KillSiloAsync(victim);
        await cluster.StartAdditionalSiloAsync();
    }
}
