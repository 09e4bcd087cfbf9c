using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains;

namespace MedPay.UnitTests;

/// <summary>An order's state stays bounded: finished notifications leave the outbox for a capped log, the history is capped.</summary>
public sealed class OrderCompactionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Finished_notifications_leave_the_outbox_with_their_bodies_and_the_log_keeps_the_last_ones()
    {
        var outbox = Enumerable.Range(0, 30)
            .Select(i => new OutboxEvent($"e{i}", "order.refunded", new string('x', 800), T0.AddSeconds(i), i % 3 == 0 ? NotificationStatus.Failed : NotificationStatus.Delivered, 1, T0, T0.AddSeconds(i), i % 3 == 0 ? "HTTP 500" : null))
            .Append(new OutboxEvent("pending", "order.refunded", "{}", T0.AddMinutes(1), NotificationStatus.Pending, 0, T0, null, null));
        var state = new OrderState { Outbox = [.. outbox] };

        var compacted = OrderState.Compacted(state, deliveryLogSize: 20, maxHistory: 64);

        Assert.Equal("pending", Assert.Single(compacted.Outbox).EventId);
        Assert.Equal(20, compacted.Deliveries.Count);
        Assert.Equal(10, compacted.DeliveriesDropped);
        Assert.Equal(Enumerable.Range(10, 20).Select(i => $"e{i}"), compacted.Deliveries.Select(d => d.EventId));
        Assert.Equal("HTTP 500", compacted.Deliveries.Single(d => d.EventId == "e12").LastError);

        var again = OrderState.Compacted(compacted with { Outbox = [compacted.Outbox[0] with { Status = NotificationStatus.Delivered }] }, 20, 64);
        Assert.Empty(again.Outbox);
        Assert.Equal("pending", again.Deliveries[^1].EventId);
        Assert.Equal(11, again.DeliveriesDropped);
    }

    [Fact]
    public void The_history_keeps_its_first_entry_and_the_latest_and_counts_the_rest()
    {
        var history = Enumerable.Range(0, 200).Select(i => new OrderHistoryEntry(T0.AddSeconds(i), i == 0 ? OrderStatus.Created : OrderStatus.PartiallyRefunded, $"entry {i}"));
        var state = new OrderState { History = [.. history] };

        var compacted = OrderState.Compacted(state, deliveryLogSize: 20, maxHistory: 64);

        Assert.Equal(64, compacted.History.Count);
        Assert.Equal("entry 0", compacted.History[0].Cause);
        Assert.Equal("entry 137", compacted.History[1].Cause);
        Assert.Equal("entry 199", compacted.History[^1].Cause);
        Assert.Equal(136, compacted.HistoryDropped);
        Assert.Same(compacted, OrderState.Compacted(compacted, 20, 64));
    }
}
