using System.Buffers.Text;
using System.Text;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class OrderPagingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static OrderSummary Line(string no, int minute, OrderStatus status = OrderStatus.Settled, DateTimeOffset? updatedAt = null) =>
        new($"m-1~{no}", "m-1", no, "u-1", status, 1_000, new Split(600, 400, 0), 0, T0.AddMinutes(minute), updatedAt ?? T0.AddMinutes(minute));

    /// <summary>Follows the tokens to the end, the way a client would.</summary>
    private static List<OrderSummary> ReadAll(Func<string?, OrderPage> page, int maxPages = 1_000)
    {
        var all = new List<OrderSummary>();
        string? token = null;
        for (var i = 0; i < maxPages; i++)
        {
            var p = page(token);
            all.AddRange(p.Orders);
            if (p.NextPageToken is null)
            {
                return all;
            }

            Assert.NotEmpty(p.Orders);
            token = p.NextPageToken;
        }

        throw new InvalidOperationException("The pages never ended.");
    }

    [Fact]
    public void Pages_are_newest_first_and_cover_every_order_once()
    {
        var random = new Random(26);
        var lines = Enumerable.Range(0, 95).Select(i => Line($"RX-{i:D3}", random.Next(0, 30))).ToList(); // many ties on time
        var expected = lines.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.OrderId, StringComparer.Ordinal).Select(l => l.OrderId).ToList();

        foreach (var size in new[] { 1, 7, 10, 95, 100 })
        {
            var read = ReadAll(t => OrderPaging.Page(lines, null, t, size));
            Assert.Equal(expected, read.Select(l => l.OrderId).ToList());
        }
    }

    [Fact]
    public void Ties_on_creation_time_are_broken_by_order_id_descending()
    {
        var lines = new[] { Line("A", 5), Line("C", 5), Line("B", 5), Line("Z", 4) };
        var first = OrderPaging.Page(lines, null, null, 2);
        Assert.Equal(["m-1~C", "m-1~B"], first.Orders.Select(o => o.OrderId));
        var second = OrderPaging.Page(lines, null, first.NextPageToken, 2);
        Assert.Equal(["m-1~A", "m-1~Z"], second.Orders.Select(o => o.OrderId));
        Assert.Null(second.NextPageToken);
    }

    [Fact]
    public void Orders_created_between_pages_neither_repeat_nor_push_lines_out()
    {
        var lines = Enumerable.Range(0, 30).Select(i => Line($"RX-{i:D2}", i)).ToList();
        var first = OrderPaging.Page(lines, null, null, 10);

        // Newer orders arrive, one of them at the very time of the page's last line but with a higher id.
        lines.AddRange(Enumerable.Range(0, 5).Select(i => Line($"NEW-{i}", 100 + i)));
        lines.Add(Line("RX-99", 20));
        var rest = ReadAll(t => OrderPaging.Page(lines, null, t ?? first.NextPageToken, 10));

        var seen = first.Orders.Concat(rest).Select(o => o.OrderId).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 30).Reverse().Select(i => $"m-1~RX-{i:D2}"), seen);
    }

    [Fact]
    public void A_line_whose_status_changes_between_pages_keeps_its_place()
    {
        var lines = Enumerable.Range(0, 6).Select(i => Line($"RX-{i}", i, OrderStatus.Paying)).ToList();
        var first = OrderPaging.Page(lines, null, null, 3);
        lines[1] = Line("RX-1", 1, OrderStatus.Settled, T0.AddHours(1));
        var second = OrderPaging.Page(lines, null, first.NextPageToken, 3);
        Assert.Equal(["m-1~RX-2", "m-1~RX-1", "m-1~RX-0"], second.Orders.Select(o => o.OrderId));
        Assert.Equal(OrderStatus.Settled, second.Orders[1].Status);
    }

    [Fact]
    public void A_status_filter_pages_over_the_matching_orders_only()
    {
        var statuses = new[] { OrderStatus.Settled, OrderStatus.Failed, OrderStatus.Created };
        var lines = Enumerable.Range(0, 40).Select(i => Line($"RX-{i:D2}", i, statuses[i % 3])).ToList();
        var failed = ReadAll(t => OrderPaging.Page(lines, OrderStatus.Failed, t, 4));
        Assert.Equal(lines.Where(l => l.Status == OrderStatus.Failed).OrderByDescending(l => l.CreatedAt), failed);
        Assert.Empty(OrderPaging.Page(lines, OrderStatus.Refunded, null, 10).Orders);
        Assert.Null(OrderPaging.Page(lines, OrderStatus.Refunded, null, 10).NextPageToken);
    }

    [Fact]
    public void The_last_page_has_no_token_even_when_it_is_exactly_full()
    {
        var lines = Enumerable.Range(0, 20).Select(i => Line($"RX-{i:D2}", i)).ToList();
        var first = OrderPaging.Page(lines, null, null, 10);
        Assert.NotNull(first.NextPageToken);
        var second = OrderPaging.Page(lines, null, first.NextPageToken, 10);
        Assert.Equal(10, second.Orders.Length);
        Assert.Null(second.NextPageToken);
        Assert.Empty(OrderPaging.Page([], null, null, 10).Orders);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(1, 1)]
    [InlineData(50, 50)]
    [InlineData(100, 100)]
    [InlineData(101, 100)]
    [InlineData(int.MaxValue, 100)]
    public void The_page_size_is_clamped_to_1_to_100(int asked, int expected)
    {
        var lines = Enumerable.Range(0, 150).Select(i => Line($"RX-{i:D3}", i)).ToList();
        Assert.Equal(expected, OrderPaging.Page(lines, null, null, asked).Orders.Length);
    }

    [Fact]
    public void An_empty_token_is_the_first_page()
    {
        var lines = Enumerable.Range(0, 5).Select(i => Line($"RX-{i}", i)).ToList();
        Assert.Equal(OrderPaging.Page(lines, null, null, 2).Orders.ToArray(), OrderPaging.Page(lines, null, "", 2).Orders.ToArray());
    }

    [Fact]
    public void An_order_listed_twice_appears_once_with_its_newest_line()
    {
        var older = Line("RX-1", 1, OrderStatus.Paying);
        var newer = Line("RX-1", 1, OrderStatus.Settled, T0.AddHours(2));
        var page = OrderPaging.Page([newer, Line("RX-2", 2), older], null, null, 10);
        Assert.Equal([Line("RX-2", 2), newer], page.Orders.ToArray());
    }

    [Fact]
    public void A_token_is_opaque_and_round_trips()
    {
        var line = Line("RX.2026-1", 3);
        var token = OrderPaging.EncodeToken(line);
        Assert.True(token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), token);
        Assert.Equal((line.CreatedAt.UtcTicks, line.OrderId), OrderPaging.DecodeToken(token));
    }

    public static TheoryData<string> MalformedTokens()
    {
        static string B64(string s) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(s));
        return
        [
            "!!!",
            "a",
            "abc def",
            "eyJ0b2tlbiI6MX0",                 // base64url of JSON, not ours
            B64("no bar at all"),
            B64("|m-1~RX-1"),
            B64("-1|m-1~RX-1"),
            B64("+5|m-1~RX-1"),
            B64(" 5|m-1~RX-1"),
            B64("12x|m-1~RX-1"),
            B64("99999999999999999999|m-1~RX-1"),
            B64($"{DateTimeOffset.MaxValue.UtcTicks + 1}|m-1~RX-1"),
            B64("638000000000000000|"),
            B64("638000000000000000|not-an-order-id"),
            B64("638000000000000000|m-1~"),
            B64("638000000000000000|m 1~RX-1"),
            new string('A', 10_000),
            Convert.ToBase64String(Encoding.UTF8.GetBytes("638000000000000000|m-1~RX-1?>")), // standard base64, padded
        ];
    }

    [Theory]
    [MemberData(nameof(MalformedTokens))]
    public void A_malformed_token_is_an_argument_exception_with_a_clear_message(string token)
    {
        var lines = new[] { Line("RX-1", 1) };
        var e = Assert.Throws<ArgumentException>(() => OrderPaging.Page(lines, null, token, 10));
        Assert.Equal("The page token is malformed: pass back the nextPageToken of the previous page unchanged.", e.Message);
    }

    [Fact]
    public void Random_tokens_never_fail_with_anything_but_an_argument_exception()
    {
        var random = new Random(1126);
        var lines = Enumerable.Range(0, 5).Select(i => Line($"RX-{i}", i)).ToList();
        const string alphabet = "ABCxyz019-_+/=| ~.\u00e9\0";
        for (var i = 0; i < 5_000; i++)
        {
            var token = i % 2 == 0
                ? new string([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => alphabet[random.Next(alphabet.Length)])])
                : Base64Url.EncodeToString([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))]);
            try
            {
                OrderPaging.Page(lines, null, token, 2);
            }
            catch (ArgumentException)
            {
            }
        }
    }

    [Fact]
    public void A_token_past_every_order_gives_an_empty_last_page()
    {
        var lines = new[] { Line("RX-1", 1) };
        var page = OrderPaging.Page(lines, null, OrderPaging.EncodeToken(Line("RX-0", -10)), 10);
        Assert.Empty(page.Orders);
        Assert.Null(page.NextPageToken);
    }

    /// <summary>The orders' live lines by id, and how many were read; an id missing from <paramref name="orders"/> cannot be read.</summary>
    private sealed class LiveOrders(Dictionary<string, OrderSummary> orders)
    {
        public int Reads { get; private set; }

        public Task<IReadOnlyList<OrderSummary?>> ReadAsync(IReadOnlyList<OrderSummary> lines)
        {
            Reads += lines.Count;
            return Task.FromResult<IReadOnlyList<OrderSummary?>>([.. lines.Select(l => orders.GetValueOrDefault(l.OrderId))]);
        }
    }

    /// <summary>What the indexes hold now: each line as it was at creation.</summary>
    private static OrderSummary AtCreation(OrderSummary live) => live with { Status = OrderStatus.Created, Split = null, RefundedFen = 0, UpdatedAt = live.CreatedAt };

    private static async Task<List<OrderSummary>> ReadAllAsync(Func<string?, Task<OrderPage>> page)
    {
        var all = new List<OrderSummary>();
        string? token = null;
        for (var i = 0; i < 1_000; i++)
        {
            var p = await page(token);
            all.AddRange(p.Orders);
            if (p.NextPageToken is null)
            {
                return all;
            }

            Assert.NotEmpty(p.Orders);
            token = p.NextPageToken;
        }

        throw new InvalidOperationException("The pages never ended.");
    }

    [Fact]
    public async Task A_live_page_answers_each_line_with_its_orders_status_split_and_refunds_not_the_index_line()
    {
        var statuses = new[] { OrderStatus.Settled, OrderStatus.PartiallyRefunded, OrderStatus.Failed, OrderStatus.Created, OrderStatus.Expired };
        var live = Enumerable.Range(0, 25).Select(i => Line($"RX-{i:D2}", i, statuses[i % statuses.Length], T0.AddHours(1).AddMinutes(i)) with { RefundedFen = i % 5 == 1 ? 300 : 0 }).ToList();
        var orders = new LiveOrders(live.ToDictionary(l => l.OrderId));
        var lines = live.Select(AtCreation).ToList();

        var read = await ReadAllAsync(t => OrderPaging.PageAsync(lines, null, t, 4, orders.ReadAsync));
        Assert.Equal(live.OrderByDescending(l => l.CreatedAt).ToList(), read);

        // The filter is on the live status; its pages are every matching order once, newest first.
        foreach (var status in statuses)
        {
            var filtered = await ReadAllAsync(t => OrderPaging.PageAsync(lines, status, t, 2, orders.ReadAsync));
            Assert.Equal(live.Where(l => l.Status == status).OrderByDescending(l => l.CreatedAt).ToList(), filtered);
        }
    }

    [Fact]
    public async Task A_live_page_reads_only_its_own_orders_and_one_more_not_the_whole_index()
    {
        var live = Enumerable.Range(0, 500).Select(i => Line($"RX-{i:D3}", i)).ToList();
        var orders = new LiveOrders(live.ToDictionary(l => l.OrderId));
        var lines = live.Select(AtCreation).ToList();

        var first = await OrderPaging.PageAsync(lines, null, null, 20, orders.ReadAsync);
        Assert.Equal(21, orders.Reads);
        Assert.Equal(20, first.Orders.Length);
        Assert.NotNull(first.NextPageToken);

        var second = await OrderPaging.PageAsync(lines, null, first.NextPageToken, 20, orders.ReadAsync);
        Assert.Equal(42, orders.Reads);
        Assert.Equal(live.OrderByDescending(l => l.CreatedAt).Skip(20).Take(20), second.Orders);

        // A filter reads in batches until the page is full: here every other order matches.
        var mixed = Enumerable.Range(0, 500).Select(i => Line($"RX-{i:D3}", i, i % 2 == 0 ? OrderStatus.Settled : OrderStatus.Failed)).ToList();
        var mixedOrders = new LiveOrders(mixed.ToDictionary(l => l.OrderId));
        var page = await OrderPaging.PageAsync(mixed.Select(AtCreation), OrderStatus.Failed, null, 20, mixedOrders.ReadAsync, batch: 8);
        Assert.Equal(20, page.Orders.Length);
        Assert.All(page.Orders, o => Assert.Equal(OrderStatus.Failed, o.Status));
        Assert.InRange(mixedOrders.Reads, 41, 50);
    }

    [Fact]
    public async Task A_status_that_changes_between_pages_keeps_the_line_in_its_place()
    {
        var live = Enumerable.Range(0, 6).ToDictionary(i => $"m-1~RX-{i}", i => Line($"RX-{i}", i, OrderStatus.Created));
        var orders = new LiveOrders(live);
        var lines = live.Values.Select(AtCreation).ToList();
        var first = await OrderPaging.PageAsync(lines, null, null, 3, orders.ReadAsync);
        Assert.Equal(["m-1~RX-5", "m-1~RX-4", "m-1~RX-3"], first.Orders.Select(o => o.OrderId));

        live["m-1~RX-1"] = Line("RX-1", 1, OrderStatus.Settled, T0.AddHours(1));
        live["m-1~RX-4"] = Line("RX-4", 4, OrderStatus.Settled, T0.AddHours(1));
        var second = await OrderPaging.PageAsync(lines, null, first.NextPageToken, 3, orders.ReadAsync);
        Assert.Equal(["m-1~RX-2", "m-1~RX-1", "m-1~RX-0"], second.Orders.Select(o => o.OrderId));
        Assert.Equal(OrderStatus.Settled, second.Orders[1].Status);
        Assert.Null(second.NextPageToken);
    }

    [Fact]
    public async Task An_order_that_cannot_be_read_is_listed_with_its_index_line_not_dropped()
    {
        var live = Enumerable.Range(0, 5).Select(i => Line($"RX-{i}", i)).ToList();
        var lines = live.Select(AtCreation).ToList();
        var orders = new LiveOrders(live.Where(l => l.OrderId != "m-1~RX-2").ToDictionary(l => l.OrderId));
        var page = await OrderPaging.PageAsync(lines, null, null, 10, orders.ReadAsync);
        Assert.Equal(live.OrderByDescending(l => l.CreatedAt).Select(l => l.OrderId), page.Orders.Select(o => o.OrderId));
        Assert.Equal(lines.Single(l => l.OrderId == "m-1~RX-2"), page.Orders.Single(o => o.OrderId == "m-1~RX-2"));
        Assert.All(page.Orders.Where(o => o.OrderId != "m-1~RX-2"), o => Assert.Equal(OrderStatus.Settled, o.Status));
    }

    [Fact]
    public async Task With_the_lines_as_their_own_live_lines_a_live_page_is_exactly_the_index_page()
    {
        var random = new Random(1202);
        var statuses = new[] { OrderStatus.Settled, OrderStatus.Failed, OrderStatus.Created };
        var lines = Enumerable.Range(0, 60).Select(i => Line($"RX-{i:D2}", random.Next(0, 20), statuses[random.Next(3)])).ToList();
        var orders = new LiveOrders(lines.ToDictionary(l => l.OrderId));
        foreach (var size in new[] { 1, 3, 10, 60, 100 })
        {
            foreach (var status in new OrderStatus?[] { null, OrderStatus.Failed, OrderStatus.Refunded })
            {
                string? token = null;
                do
                {
                    var expected = OrderPaging.Page(lines, status, token, size);
                    var actual = await OrderPaging.PageAsync(lines, status, token, size, orders.ReadAsync, batch: 5);
                    Assert.Equal(expected.Orders.ToArray(), actual.Orders.ToArray());
                    Assert.Equal(expected.NextPageToken, actual.NextPageToken);
                    token = expected.NextPageToken;
                }
                while (token is not null);
            }
        }
    }

    [Fact]
    public async Task A_live_page_refuses_a_malformed_token_before_reading_any_order()
    {
        var orders = new LiveOrders([]);
        await Assert.ThrowsAsync<ArgumentException>(() => OrderPaging.PageAsync([Line("RX-1", 1)], null, "!!!", 10, orders.ReadAsync));
        Assert.Equal(0, orders.Reads);
    }
}
