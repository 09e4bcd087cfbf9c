using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Storage;

namespace MedPay.Bench;

/// <summary>
/// Counts the durable writes that reach the grain storage, by kind of state (the index split into users' and merchants'):
/// the cost of a payment in storage operations, and where it goes. Reads (one per activation) are counted too.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private readonly ConcurrentDictionary<string, long> _writes = new();
    private long _reads;

    public IReadOnlyDictionary<string, long> WritesByState => _writes.ToDictionary();

    public long Reads => Interlocked.Read(ref _reads);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Count(stateName, grainId);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Count(stateName, grainId);
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }

    private void Count(string stateName, GrainId grainId)
    {
        var kind = stateName != "index" ? stateName
            : grainId.Key.ToString()!.StartsWith("user|", StringComparison.Ordinal) ? "user index" : "merchant index";
        _writes.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }
}

/// <summary>A silo's storage counters at one moment: grain state writes by kind, reminder-table writes, grain state reads.</summary>
public sealed record WriteCounts(IReadOnlyDictionary<string, long> ByState, long Reminders, long Reads)
{
    public long State => ByState.Values.Sum();

    public WriteCounts Since(WriteCounts before) => new(
        ByState.ToDictionary(kind => kind.Key, kind => kind.Value - before.ByState.GetValueOrDefault(kind.Key)),
        Reminders - before.Reminders,
        Reads - before.Reads);
}
