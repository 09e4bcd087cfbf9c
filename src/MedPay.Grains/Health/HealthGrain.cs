using MedPay.Contracts;
using Orleans.Concurrency;

namespace MedPay.Grains;

[GenerateSerializer, Alias("medpay.HealthState")]
public sealed record HealthState;

[Reentrant]
public sealed class HealthGrain(
    [PersistentState("health", MedPayGrainServices.StorageName)] IPersistentState<HealthState> state) : Grain, IHealthGrain
{
    public Task CheckAsync() => state.ReadStateAsync();
}
