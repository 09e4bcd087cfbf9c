// The order in listings: its line in its user's and its merchant's indexes, written once at creation, and the summary
// listings read live from the order.
using MedPay.Contracts;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    /// <summary>
    /// Writes the order's line in the user's and the merchant's listings: what is fixed at creation, so it is written once
    /// and never goes stale (listings read the status, split and refunds live from the order). Awaited and not caught: an
    /// order is answered as created only once it is listed (and its unpaid expiry is in its merchant index's sweep).
    /// </summary>
    private async Task WriteListingLinesAsync(OrderState s)
    {
        var order = s.Command!;
        var line = new OrderSummary(OrderId, order.MerchantId, order.MerchantOrderNo, order.UserId, OrderStatus.Created, s.TotalFen, null, 0, s.CreatedAt, s.CreatedAt);
        await Task.WhenAll(
            GrainFactory.GetGrain<IOrderIndexGrain>(s.UserIndexSegment is { } userSegment
                ? OrderIndexKeys.Segment(OrderIndexKeys.User(order.UserId), userSegment)
                : OrderIndexKeys.User(order.UserId)).UpsertAsync(line),
            GrainFactory.GetGrain<IOrderIndexGrain>(s.IndexSegment is { } segment
                ? OrderIndexKeys.Segment(MerchantShardKey(order.MerchantId, s.CreatedAt), segment)
                : MerchantShardKey(order.MerchantId, s.CreatedAt)).UpsertAsync(line));
    }

    /// <summary>The order's listing line as it is in <paramref name="s"/>.</summary>
    private OrderSummary Summary(OrderState s) => new(
        OrderId, s.Command!.MerchantId, s.Command.MerchantOrderNo, s.Command.UserId, s.Status, s.TotalFen, s.Split,
        s.Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.AmountFen), s.CreatedAt, s.UpdatedAt);

    private string MerchantShardKey(string merchantId, DateTimeOffset createdAt) =>
        OrderIndexKeys.MerchantDay(merchantId, DateOnly.FromDateTime(createdAt.UtcDateTime), OrderIndexKeys.ShardOf(OrderId));
}
