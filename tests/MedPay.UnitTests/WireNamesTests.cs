using MedPay.Contracts;

namespace MedPay.UnitTests;

/// <summary>Every status has one stable snake_case wire name, the same in the API, the notifications and the statements.</summary>
public sealed class WireNamesTests
{
    [Fact]
    public void Every_status_has_a_distinct_snake_case_name()
    {
        AssertNames(Enum.GetValues<OrderStatus>().Select(WireNames.Of));
        AssertNames(Enum.GetValues<RefundStatus>().Select(WireNames.Of));
        AssertNames(Enum.GetValues<SettlementStatus>().Select(WireNames.Of));
        AssertNames(Enum.GetValues<VoucherStatus>().Select(WireNames.Of));
        AssertNames(Enum.GetValues<NotificationStatus>().Select(WireNames.Of));
        Assert.Equal("partially_refunded", WireNames.Of(OrderStatus.PartiallyRefunded));
        Assert.Equal("manual_review", WireNames.Of(RefundStatus.ManualReview));
    }

    [Fact]
    public void The_order_event_types_are_the_ones_merchants_subscribe_to()
    {
        Assert.Equal(
            new[] { "order.settled", "order.failed", "order.manual_review", "order.refunded", "order.refund_review", "order.cancelled", "order.expired" },
            new[]
            {
                WireNames.OrderEvents.Settled, WireNames.OrderEvents.Failed, WireNames.OrderEvents.ManualReview, WireNames.OrderEvents.Refunded,
                WireNames.OrderEvents.RefundReview, WireNames.OrderEvents.Cancelled, WireNames.OrderEvents.Expired,
            });
    }

    private static void AssertNames(IEnumerable<string> names)
    {
        var all = names.ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
        Assert.All(all, n => Assert.Matches("^[a-z]+(_[a-z]+)*$", n));
    }
}
