using Orleans.Runtime;
using Orleans.Storage;

namespace MedPay.Bench;

/// <summary>Counts the durable writes that reach the grain storage: the cost of a payment in storage operations.</summary>
public sealed class CountingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private long _writes;
    private long _reads;

    public long Writes => Interlocked.Read(ref _writes);

    public long Reads => Interlocked.Read(ref _reads);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Interlocked.Increment(ref _writes);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Interlocked.Increment(ref _writes);
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
