using System.Collections.Immutable;

namespace MedPay.Contracts;

/// <summary>
/// One shard of an order index: the orders of one user, or of one merchant on one day (split over
/// <see cref="OrderIndexKeys.MerchantShards"/> shards by order id), so that no index grain is on every order's path.
/// </summary>
public interface IOrderIndexGrain : IGrainWithStringKey
{
    /// <summary>Adds the order's line, at its creation (the newer <see cref="OrderSummary.UpdatedAt"/> wins; an identical line writes nothing).</summary>
    Task UpsertAsync(OrderSummary summary);

    /// <summary>Every line: this grain's own and, on a merchant-day shard or a user's index, those of all its segments.</summary>
    Task<ImmutableArray<OrderSummary>> ListAsync();

    /// <summary>
    /// On a merchant-day shard or a user's index: the segment a new order's line is to live in. A segment holds a bounded number of lines,
    /// so that a busy day never makes one state record that every write rewrites whole (and that Azure Table storage
    /// would refuse past 1 MB). The order keeps its segment number and sends its line there.
    /// </summary>
    Task<int> AssignSegmentAsync();

    /// <summary>How many lines this grain holds itself (written or on their way): a new activation of a shard asks its last segment whether it has room.</summary>
    Task<int> CountAsync();
}
