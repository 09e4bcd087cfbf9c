using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class IndexSweepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static OrderSummary Line(string no, int minute, OrderStatus status = OrderStatus.Created) =>
        new($"m-1~{no}", "m-1", no, "u-1", status, 1_000, null, 0, T0.AddMinutes(minute), T0.AddMinutes(minute));

    [Fact]
    public void The_sweep_watches_created_lines_not_yet_swept_and_asks_only_those_past_their_time()
    {
        var lines = new[]
        {
            Line("A", 0),
            Line("B", 0),
            Line("C", 20),
            // Written before listings were read live, with the outcome on the line: already done.
            Line("D", 0, OrderStatus.Settled),
            Line("E", 0, OrderStatus.Expired),
        };
        var swept = new HashSet<string> { "m-1~B" };

        var open = IndexSweep.Open(lines, swept);
        Assert.Equal(["m-1~A", "m-1~C"], open.Select(l => l.OrderId));
        Assert.Equal(["m-1~A"], IndexSweep.Due(open, T0.AddMinutes(30), TimeSpan.FromMinutes(30)).Select(l => l.OrderId));
        Assert.Empty(IndexSweep.Due(open, T0.AddMinutes(29), TimeSpan.FromMinutes(30)));
        Assert.Equal(["m-1~A", "m-1~C"], IndexSweep.Due(open, T0.AddMinutes(50), TimeSpan.FromMinutes(30)).Select(l => l.OrderId));
        Assert.Empty(IndexSweep.Open(lines, new HashSet<string> { "m-1~A", "m-1~B", "m-1~C" }));
    }

    [Theory]
    [InlineData(OrderStatus.Expired, true)]
    [InlineData(OrderStatus.Cancelled, true)]
    [InlineData(OrderStatus.Settled, true)]
    [InlineData(OrderStatus.Refunded, true)]
    [InlineData(OrderStatus.Failed, true)]
    [InlineData(OrderStatus.Paying, true)]
    [InlineData(OrderStatus.ManualReview, true)]
    [InlineData(OrderStatus.Created, false)]
    public void An_order_past_created_is_done_for_the_sweep_and_a_created_one_is_asked_again(OrderStatus status, bool done)
    {
        Assert.Equal(done, IndexSweep.IsDone(exists: true, status));
        Assert.True(IndexSweep.IsDone(exists: false, null));
    }
}
