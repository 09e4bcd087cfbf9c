using MedPay.Contracts;
using MedPay.Grains;

namespace MedPay.ClusterTests;

/// <summary>
/// Listings read each order's status, split and refunds live from the order: the indexes hold only what is fixed at
/// creation, written once. So a listing cannot show a stale status, even when an index could not be written after the
/// order was created (which, when the outcome was written to the index, left listings showing settled orders as created).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ListingTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    private IOrderQueryGrain Query => fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0);

    private IOrderIndexGrain Index(string key) => fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(key);

    [Fact]
    public async Task A_listing_shows_what_the_order_is_now_even_when_its_indexes_cannot_be_written_after_its_creation()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(50_000), Scenario.C(15_000));
        var day = DateOnly.FromDateTime(order.CreatedAt.UtcDateTime);
        // The first order of a new user and of its merchant's shard: segment 0 of each (2 lines each in these tests).
        var userSegment = Index(OrderIndexKeys.Segment(OrderIndexKeys.User(userId), 0));
        var merchantSegment = Index(OrderIndexKeys.Segment(OrderIndexKeys.MerchantDay(merchant, day, OrderIndexKeys.ShardOf(order.OrderId)), 0));
        Assert.Equal([order.OrderId], (await userSegment.ListAsync()).Select(l => l.OrderId));
        Assert.Equal([order.OrderId], (await merchantSegment.ListAsync()).Select(l => l.OrderId));

        // Every later write of either index fails: the payment and the refund write none.
        await fixture.Medpay.FailNextWriteAsync(userSegment, "index", new IOException("injected storage failure"));
        await fixture.Medpay.FailNextWriteAsync(merchantSegment, "index", new IOException("injected storage failure"));
        var paid = (await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        Assert.Equal(RefundStatus.Succeeded, (await _s.Order(order.OrderId).RefundAsync(new("r1", 5_000, "one box"))).Value!.Status);

        var now = (await _s.Order(order.OrderId).GetAsync()).Value!;
        Assert.Equal(OrderStatus.PartiallyRefunded, now.Status);
        foreach (var page in new[]
        {
            await Query.ListForUserAsync(userId, null, null, 10),
            await Query.ListForMerchantAsync(merchant, day, null, null, 10),
            await Query.ListForUserAsync(userId, OrderStatus.PartiallyRefunded, null, 10),
            await Query.ListForMerchantAsync(merchant, day, OrderStatus.PartiallyRefunded, null, 10),
        })
        {
            var line = Assert.Single(page.Orders);
            Assert.Equal(order.OrderId, line.OrderId);
            Assert.Equal(OrderStatus.PartiallyRefunded, line.Status);
            Assert.Equal(paid.Split, line.Split);
            Assert.Equal(5_000, line.RefundedFen);
            Assert.Equal(now.UpdatedAt, line.UpdatedAt);
            Assert.Equal(order.TotalFen, line.TotalFen);
            Assert.Null(page.NextPageToken);
        }

        Assert.Empty((await Query.ListForUserAsync(userId, OrderStatus.Created, null, 10)).Orders);
        Assert.Empty((await Query.ListForMerchantAsync(merchant, day, OrderStatus.Settled, null, 10)).Orders);

        // The faults are still armed: the next order into the same segments fails to be listed, so its creation fails,
        // and its repeat writes its lines: an order answered as created is always listed.
        var orderNo = Enumerable.Range(0, 10_000).Select(i => $"next-{i}").First(n => OrderIndexKeys.ShardOf(OrderIds.For(merchant, n)) == OrderIndexKeys.ShardOf(order.OrderId));
        var next = _s.Order(OrderIds.For(merchant, orderNo));
        CreateOrderCommand command = new(merchant, orderNo, userId, [Scenario.A(700)]);
        await Assert.ThrowsAnyAsync<Exception>(() => next.CreateAsync(command));
        var again = await next.CreateAsync(command);
        Assert.True(again.IsOk, again.Error?.ToString());
        Assert.False(again.Value!.Created);
        Assert.Equal(
            [OrderIds.For(merchant, orderNo), order.OrderId],
            (await Query.ListForUserAsync(userId, null, null, 10)).Orders.Select(o => o.OrderId));
        Assert.Equal(
            [OrderIds.For(merchant, orderNo)],
            (await Query.ListForMerchantAsync(merchant, day, OrderStatus.Created, null, 10)).Orders.Select(o => o.OrderId));
    }

    [Fact]
    public async Task An_unpaid_order_is_expired_by_its_merchant_index_sweep_and_listed_expired_while_a_paid_one_is_left_alone()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var unpaid = await _s.CreateOrderAsync(userId, merchant, Scenario.A(700));
        var paidOrder = await _s.CreateOrderAsync(userId, merchant, Scenario.A(800));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paidOrder.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Value!.Status);
        var day = DateOnly.FromDateTime(unpaid.CreatedAt.UtcDateTime);

        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(31));
        await Eventually.HoldsAsync(async () => (await _s.Order(unpaid.OrderId).GetAsync()).Value!.Status == OrderStatus.Expired);

        Assert.Equal(OrderStatus.Settled, (await _s.Order(paidOrder.OrderId).GetAsync()).Value!.Status);
        var listed = (await Query.ListForMerchantAsync(merchant, day, null, null, 10)).Orders.ToDictionary(o => o.OrderId, o => o.Status);
        Assert.Equal(OrderStatus.Expired, listed[unpaid.OrderId]);
        Assert.Equal(OrderStatus.Settled, listed[paidOrder.OrderId]);
        Assert.Equal([unpaid.OrderId], (await Query.ListForUserAsync(userId, OrderStatus.Expired, null, 10)).Orders.Select(o => o.OrderId));
    }

    [Fact]
    public async Task The_sweep_asks_an_order_no_more_once_it_answered_it_is_past_created()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(700));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Value!.Status);
        var day = DateOnly.FromDateTime(order.CreatedAt.UtcDateTime);
        var segment = Index(OrderIndexKeys.Segment(OrderIndexKeys.MerchantDay(merchant, day, OrderIndexKeys.ShardOf(order.OrderId)), 0));

        // Past its time, the sweep asks the paid order, which stays settled, and records the line as swept in one write:
        // a fault armed on that write is taken by it (and the next sweep asks again and writes it).
        await fixture.Medpay.FailNextWriteAsync(segment, "index", new IOException("injected storage failure"));
        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(31));
        await Eventually.HoldsAsync(async () => (await fixture.Medpay.ReadStoredStateAsync<OrderIndexState>(segment, "index")).Swept.Contains(order.OrderId));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(order.OrderId).GetAsync()).Value!.Status);
        Assert.Equal(OrderStatus.Settled, Assert.Single((await Query.ListForMerchantAsync(merchant, day, null, null, 10)).Orders).Status);
    }
}
