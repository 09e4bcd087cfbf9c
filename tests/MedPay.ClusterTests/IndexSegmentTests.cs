using MedPay.Contracts;

namespace MedPay.ClusterTests;

/// <summary>The merchant's daily index shard hands lines out to bounded segments (2 lines each in these tests).</summary>
[Collection(SteadyClockCollection.Name)]
public sealed class IndexSegmentTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task A_busy_shard_spreads_its_orders_over_bounded_segments_and_the_listing_and_statement_see_them_all()
    {
        var (userId, _) = await _s.OpenVoucherAsync();
        var merchant = TestWorld.Unique("m");
        // Seven order numbers that fall in the same shard of the merchant's day.
        var numbers = Enumerable.Range(0, 10_000).Select(i => $"seg-{i}")
            .Where(n => OrderIndexKeys.ShardOf(OrderIds.For(merchant, n)) == 0).Take(7).ToList();
        var created = new List<OrderView>();
        foreach (var orderNo in numbers)
        {
            var result = await _s.Order(OrderIds.For(merchant, orderNo)).CreateAsync(new(merchant, orderNo, userId, [Scenario.A(1_000)]));
            Assert.True(result.IsOk, result.Error?.ToString());
            created.Add(result.Value!.Order);
        }

        var paid = created[0];
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paid.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Value!.Status);

        var day = DateOnly.FromDateTime(paid.CreatedAt.UtcDateTime);
        var shard = OrderIndexKeys.MerchantDay(merchant, day, 0);
        var segments = new List<IReadOnlyCollection<OrderSummary>>();
        for (var segment = 0; segment < 4; segment++)
        {
            segments.Add(await fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(shard, segment)).ListAsync());
        }

        Assert.All(segments, lines => Assert.InRange(lines.Count, 1, 2));
        Assert.Equal(created.Select(o => o.OrderId).Order(), segments.SelectMany(lines => lines).Select(l => l.OrderId).Order());

        var listed = await fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0).ListForMerchantAsync(merchant, day, null, null, 100);
        Assert.Equal(created.Select(o => o.OrderId).Order(), listed.Orders.Select(o => o.OrderId).Order());
        Assert.Equal(OrderStatus.Settled, listed.Orders.Single(o => o.OrderId == paid.OrderId).Status);
        Assert.Equal(6, listed.Orders.Count(o => o.Status == OrderStatus.Created));

        var statement = await fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0).ReconcileAsync(merchant, day);
        Assert.Equal(1, statement.SettledCount);
        Assert.Empty(statement.Mismatches);
    }

    [Fact]
    public async Task A_user_with_many_orders_has_them_in_bounded_segments_and_the_listing_pages_through_them_all_newest_first()
    {
        var (userId, _) = await _s.OpenVoucherAsync();
        var created = new List<OrderView>();
        for (var i = 0; i < 11; i++)
        {
            // Several merchants: the user's index is one, whoever the orders are from.
            var merchant = TestWorld.Unique("m");
            var orderNo = $"many-{i}";
            var result = await _s.Order(OrderIds.For(merchant, orderNo)).CreateAsync(new(merchant, orderNo, userId, [Scenario.A(1_000 + i)]));
            Assert.True(result.IsOk, result.Error?.ToString());
            created.Add(result.Value!.Order);
        }

        var paid = created[3];
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paid.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, paid.MerchantId), null))).Value!.Status);

        // The user's own record holds no lines; each of its segments at most the segment size (2 in these tests).
        var root = OrderIndexKeys.User(userId);
        var segments = new List<IReadOnlyCollection<OrderSummary>>();
        for (var segment = 0; segment < 7; segment++)
        {
            segments.Add(await fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(root, segment)).ListAsync());
        }

        Assert.All(segments.Take(6), lines => Assert.InRange(lines.Count, 1, 2));
        Assert.Empty(segments[6]);
        Assert.Equal(created.Select(o => o.OrderId).Order(), segments.SelectMany(lines => lines).Select(l => l.OrderId).Order());

        // Pages of 3 cross segments; together they are every order once, newest first.
        var query = fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0);
        var listed = new List<OrderSummary>();
        string? token = null;
        do
        {
            var page = await query.ListForUserAsync(userId, null, token, 3);
            Assert.InRange(page.Orders.Length, 1, 3);
            listed.AddRange(page.Orders);
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(
            created.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.OrderId, StringComparer.Ordinal).Select(o => o.OrderId),
            listed.Select(o => o.OrderId));
        Assert.Equal(OrderStatus.Settled, listed.Single(o => o.OrderId == paid.OrderId).Status);
        Assert.Equal([paid.OrderId], (await query.ListForUserAsync(userId, OrderStatus.Settled, null, 10)).Orders.Select(o => o.OrderId));
    }

    [Fact]
    public async Task A_new_activation_of_a_users_index_carries_on_in_its_last_segment_while_it_has_room()
    {
        var (userId, _) = await _s.OpenVoucherAsync();
        var root = fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.User(userId));
        var first = await _s.CreateOrderAsync(userId, TestWorld.Unique("m"), Scenario.A(1_000));
        await fixture.Medpay.Cluster.DeactivateAsync(root);
        var second = await _s.CreateOrderAsync(userId, TestWorld.Unique("m"), Scenario.A(1_000));
        await fixture.Medpay.Cluster.DeactivateAsync(root);
        var third = await _s.CreateOrderAsync(userId, TestWorld.Unique("m"), Scenario.A(1_000));

        // Segments of 2 lines in these tests: the first two orders share segment 0 across activations, the third opens 1.
        var segment0 = await fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(OrderIndexKeys.User(userId), 0)).ListAsync();
        var segment1 = await fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(OrderIndexKeys.User(userId), 1)).ListAsync();
        Assert.Equal(new[] { first.OrderId, second.OrderId }.Order(), segment0.Select(l => l.OrderId).Order());
        Assert.Equal([third.OrderId], segment1.Select(l => l.OrderId));
        await fixture.Medpay.Cluster.DeactivateAsync(root);
        Assert.Equal(new[] { first.OrderId, second.OrderId, third.OrderId }.Order(), (await root.ListAsync()).Select(l => l.OrderId).Order());
    }

    [Fact]
    public async Task Only_a_merchant_day_shard_or_a_user_index_hands_out_segments()
    {
        var userSegment = fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(OrderIndexKeys.User(TestWorld.Unique("u")), 0));
        await Assert.ThrowsAsync<InvalidOperationException>(() => userSegment.AssignSegmentAsync());
        var merchantSegment = fixture.Medpay.Grains.GetGrain<IOrderIndexGrain>(
            OrderIndexKeys.Segment(OrderIndexKeys.MerchantDay(TestWorld.Unique("m"), new DateOnly(2026, 1, 2), 0), 0));
        await Assert.ThrowsAsync<InvalidOperationException>(() => merchantSegment.AssignSegmentAsync());
    }
}
