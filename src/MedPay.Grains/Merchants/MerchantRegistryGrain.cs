using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.MerchantRegistryState")]
public sealed record MerchantRegistryState
{
    /// <summary>Sorted, ordinal.</summary>
    [Id(0)] public ImmutableArray<string> MerchantIds { get; init; } = [];
}

/// <summary>
/// Every registered merchant's id (key 0), for the operators' daily check against the platform's statement. Written once
/// per merchant, at its registration; merchants are few (tens of thousands of 64-character ids stay far under Azure Table's
/// 1 MB entity limit).
/// </summary>
public sealed class MerchantRegistryGrain(
    [PersistentState("merchants", MedPayGrainServices.StorageName)] IPersistentState<MerchantRegistryState> state) : Grain, IMerchantRegistryGrain
{
    public Task AddAsync(string merchantId) => state.DecideAsync(async () =>
    {
        var ids = state.State.MerchantIds;
        var at = ImmutableArray.BinarySearch(ids, merchantId, StringComparer.Ordinal);
        if (at < 0)
        {
            await state.SaveAsync(state.State with { MerchantIds = ids.Insert(~at, merchantId) }, this);
        }
    });

    public Task<ImmutableArray<string>> ListAsync() => Task.FromResult(state.State.MerchantIds);
}
