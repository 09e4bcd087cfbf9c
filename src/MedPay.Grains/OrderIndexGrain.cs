using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains;

/// <summary>The lines of one order-index shard, by order id.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderIndexState")]
public sealed record OrderIndexState
{
    [Id(0)] public ImmutableDictionary<string, OrderSummary> Orders { get; init; } = ImmutableDictionary<string, OrderSummary>.Empty;
}

/// <summary>
/// One shard of an order index (see <see cref="OrderIndexKeys"/>). Orders push their line here after each change; the
/// newer line wins, so updates that arrive out of order never move a line backwards.
/// </summary>
public sealed class OrderIndexGrain(
    [PersistentState("index", MedPayGrainServices.StorageName)] IPersistentState<OrderIndexState> state) : Grain, IOrderIndexGrain
{
    public Task UpsertAsync(OrderSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return state.DecideAsync(async () =>
        {
            var orders = state.State.Orders;
            if (orders.TryGetValue(summary.OrderId, out var stored) && (summary.UpdatedAt < stored.UpdatedAt || summary == stored))
            {
                // An older line arriving late, or a repeat: nothing to write.
                return;
            }

            await state.SaveAsync(state.State with { Orders = orders.SetItem(summary.OrderId, summary) }, this);
        });
    }

    public Task<ImmutableArray<OrderSummary>> ListAsync() => Task.FromResult(state.State.Orders.Values.ToImmutableArray());
}
