using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.ReviewQueueState")]
public sealed record ReviewQueueState
{
    [Id(0)] public ImmutableDictionary<string, ReviewEntry> Entries { get; init; } = ImmutableDictionary<string, ReviewEntry>.Empty;
}

/// <summary>
/// The orders in manual review across merchants (one grain, key 0). Reviews are rare (an outcome unknown for
/// MedPay:Recovery:ManualReviewAfter, or amounts that disagree), so one small record holds them; adding and removing
/// are idempotent by order id, so the orders' retries are safe.
/// </summary>
public sealed class ReviewQueueGrain(
    [PersistentState("review", MedPayGrainServices.StorageName)] IPersistentState<ReviewQueueState> state) : Grain, IReviewQueueGrain
{
    public Task AddAsync(ReviewEntry entry) => state.DecideAsync(async () =>
    {
        if (!state.State.Entries.ContainsKey(entry.OrderId))
        {
            await state.SaveAsync(state.State with { Entries = state.State.Entries.SetItem(entry.OrderId, entry) }, this);
        }
    });

    public Task RemoveAsync(string orderId) => state.DecideAsync(async () =>
    {
        if (state.State.Entries.ContainsKey(orderId))
        {
            await state.SaveAsync(state.State with { Entries = state.State.Entries.Remove(orderId) }, this);
        }
    });

    public Task<IReadOnlyList<ReviewEntry>> ListAsync(int max) =>
        Task.FromResult<IReadOnlyList<ReviewEntry>>(state.State.Entries.Values.OrderBy(e => e.Since).ThenBy(e => e.OrderId, StringComparer.Ordinal).Take(Math.Clamp(max, 1, 1000)).ToList());
}
