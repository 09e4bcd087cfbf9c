using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class UnknownOutcomeTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task A_settlement_that_arrives_late_is_found_by_query_and_never_sent_twice()
    {
        var (_, _, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.SucceedLate, TimeSpan.FromMilliseconds(1), Times: 1)), null, Scenario.A(3_000));

        // The late settlement lands before the first query (which waits a backoff of at least 10 ms here).
        var paid = payment.Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, paid.SettlementId!));
        Assert.True(await TestWorld.SettledAtPlatformAsync(paid.SettlementId!));
    }

    [Fact]
    public async Task A_platform_that_fails_N_times_is_retried_within_bounds_and_settles_once()
    {
        var (_, _, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.Timeout, Times: 2)), null, Scenario.A(3_000));

        var paid = payment.Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        // Sent, timed out; queried (never seen), sent again, timed out; queried, sent, settled.
        Assert.Equal(3, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, paid.SettlementId!));
        Assert.True(await TestWorld.SettledAtPlatformAsync(paid.SettlementId!));
    }

    [Fact]
    public async Task A_decline_is_permanent_and_never_retried()
    {
        var (userId, order, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.Decline)), null, Scenario.A(3_000));

        var failed = payment.Value!;
        Assert.Equal(OrderStatus.Failed, failed.Status);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, failed.SettlementId!));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, failed.SettlementId!));
        Assert.Equal(0, (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen);
        Assert.Equal(OrderStatus.Failed, (await _s.Order(order.OrderId).GetAsync()).Value!.Status);
    }

    [Fact]
    public async Task An_order_whose_outcome_stays_unknown_past_the_limit_goes_to_manual_review_with_the_reason()
    {
        var (userId, order, payment) = await _s.PayNewOrderAsync(
            100, "330100", id => TestWorld.Sandbox.PlatformAsync(id, new(SandboxFault.Timeout)), null, Scenario.A(3_000));
        Assert.Equal(OrderStatus.Paying, payment.Value!.Status);

        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(31));
        await Eventually.HoldsAsync(async () => (await _s.Order(order.OrderId).GetAsync()).Value!.Status == OrderStatus.ManualReview);

        var held = (await _s.Order(order.OrderId).GetAsync()).Value!;
        Assert.Equal(ErrorCodes.SettlementUnknown, held.Failure!.Code);
        Assert.Contains("still unknown", held.History[^1].Cause);
        // Nothing is released or charged while a person decides.
        Assert.Equal(3_000, (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen);
        Assert.False(await TestWorld.SettledAtPlatformAsync(held.SettlementId!));
    }
}

public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // A call may fail while the cluster recovers.
            }

            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(250);
        }
    }
}
