using MedPay.Contracts;
using MedPay.Platform;
using Kinds = MedPay.Grains.Domain.PlatformReconciliation.Kinds;

namespace MedPay.ClusterTests;

/// <summary>The merchant's statement and the operators' daily check against the platform's own statement (3201/3202), on a real cluster.</summary>
[Collection(SteadyClockCollection.Name)]
public sealed class PlatformReconciliationTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    private IOrderQueryGrain Query => fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0);

    private DateOnly Today => DateOnly.FromDateTime(fixture.Medpay.Clock.GetUtcNow().UtcDateTime);

    [Fact]
    public async Task A_settled_and_refunded_order_shows_no_platform_difference_and_the_totals_agree()
    {
        var (merchantId, _) = await _s.RegisterMerchantAsync();
        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);
        Assert.Equal(RefundStatus.Succeeded, (await _s.Order(paid.OrderId).RefundAsync(new("r1", 5_000, "one box"))).Value!.Status);

        var statement = await Query.ReconcileAsync(merchantId, Today);

        Assert.Empty(statement.Mismatches);
        var check = statement.Platform!;
        Assert.True(check.Checked, check.Unavailable);
        Assert.Equal(new StatementTotals(1, paid.Split!.FundFen, paid.Split.PersonalAccountFen), check.MedPaySettled);
        Assert.Equal(check.MedPaySettled, check.PlatformSettled);
        Assert.Equal(1, check.MedPayRefunded.Count);
        Assert.Equal(check.MedPayRefunded, check.PlatformRefunded);
    }

    [Fact]
    public async Task Amounts_the_platform_misreports_are_a_difference()
    {
        var (merchantId, _) = await _s.RegisterMerchantAsync();
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var order = await _s.CreateOrderAsync(userId, merchantId, Scenario.A(50_000));
        await TestWorld.Sandbox.PlatformAsync(order.OrderId, new SandboxRule(SandboxFault.MisreportAmounts));
        var payment = await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchantId), null));
        Assert.Equal(OrderStatus.ManualReview, payment.Value!.Status);

        var statement = await Query.ReconcileAsync(merchantId, Today);

        var difference = Assert.Single(statement.Mismatches, m => m.What == Kinds.AmountsDiffer);
        Assert.Equal(order.OrderId, difference.OrderId);
        Assert.StartsWith("manual_review, ", difference.Order, StringComparison.Ordinal);
        Assert.StartsWith("mismatch, ", difference.Gateway, StringComparison.Ordinal);
        Assert.StartsWith("settled, fund ", difference.Platform, StringComparison.Ordinal);
        Assert.Equal(StatementTotals.Zero, statement.Platform!.MedPaySettled);
        Assert.Equal(1, statement.Platform.PlatformSettled!.Count);
    }

    [Fact]
    public async Task A_settlement_at_the_platform_that_MedPay_never_heard_of_is_on_the_platform_statement_only_for_the_merchant_and_the_operators()
    {
        var (merchantId, _) = await _s.RegisterMerchantAsync();
        var (other, _) = await _s.RegisterMerchantAsync();
        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);
        var ghost = OrderIds.For(merchantId, TestWorld.Unique("ghost"));
        var settled = await TestWorld.Platform.SettleAsync(new PlatformSettleRequest($"{ghost}~1", ghost, merchantId, "V-GHOST", "330100", 1_200, 3_400), CancellationToken.None);
        Assert.Equal(PlatformOutcome.Succeeded, settled.Outcome);
        // A cancelled order that the platform settled all the same.
        var (userId, _) = await _s.OpenVoucherAsync();
        var cancelled = await _s.CreateOrderAsync(userId, merchantId, Scenario.A(1_000));
        Assert.True((await _s.Order(cancelled.OrderId).CancelAsync("out of stock")).IsOk);
        await TestWorld.Platform.SettleAsync(new PlatformSettleRequest($"{cancelled.OrderId}~1", cancelled.OrderId, merchantId, "V-1", "330100", 850, 150), CancellationToken.None);

        var statement = await Query.ReconcileAsync(merchantId, Today);

        Assert.Equal(
            new[] { (cancelled.OrderId, Kinds.OnPlatformOnly), (ghost, Kinds.OnPlatformOnly) }.Order(),
            statement.Mismatches.Select(m => (m.OrderId, m.What)).Order());
        var onlyThere = statement.Mismatches.Single(m => m.OrderId == ghost);
        Assert.Equal("no such order", onlyThere.Order);
        Assert.Equal("no record", onlyThere.Gateway);
        Assert.StartsWith("settled, fund 1200 / personal 3400 fen", onlyThere.Platform, StringComparison.Ordinal);
        Assert.StartsWith("cancelled", statement.Mismatches.Single(m => m.OrderId == cancelled.OrderId).Order, StringComparison.Ordinal);
        Assert.Equal(1, statement.Platform!.MedPaySettled.Count);
        Assert.Equal(3, statement.Platform.PlatformSettled!.Count);
        // Another merchant's statement does not see them.
        Assert.Empty((await Query.ReconcileAsync(other, Today)).Mismatches);

        // The operators' check sees them too, with every other merchant's, and the platform's totals of the whole day.
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var operators = await Query.ReconcilePlatformDayAsync(day);
        Assert.True(operators.Check.Checked, operators.Check.Unavailable);
        Assert.Contains(operators.Mismatches, m => m.OrderId == ghost && m.What == Kinds.OnPlatformOnly);
        Assert.Contains(operators.Mismatches, m => m.OrderId == cancelled.OrderId && m.What == Kinds.OnPlatformOnly);
        Assert.DoesNotContain(operators.Mismatches, m => m.OrderId == paid.OrderId);
        Assert.True(operators.MerchantCount >= 2);
        Assert.True(operators.StatedSettled!.Count >= 3);
    }

    [Fact]
    public async Task A_merchant_registered_is_in_the_registry()
    {
        var (merchantId, _) = await _s.RegisterMerchantAsync();
        Assert.Contains(merchantId, await fixture.Medpay.Grains.GetGrain<IMerchantRegistryGrain>(0).ListAsync());
    }
}
