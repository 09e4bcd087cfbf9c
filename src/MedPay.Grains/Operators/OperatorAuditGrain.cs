using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.OperatorAuditState")]
public sealed record OperatorAuditState
{
    [Id(0)] public ImmutableArray<AuditEntry> Entries { get; init; } = [];
}

/// <summary>One UTC day of operator actions. Operators act rarely, so a day's record stays small.</summary>
public sealed class OperatorAuditGrain(
    [PersistentState("audit", MedPayGrainServices.StorageName)] IPersistentState<OperatorAuditState> state) : Grain, IOperatorAuditGrain
{
    public Task<int> RecordAsync(AuditEntry entry) => state.DecideAsync(async () =>
    {
        var entries = state.State.Entries;
        await state.SaveAsync(state.State with { Entries = entries.Add(entry) }, this);
        return entries.Length;
    });

    public Task CompleteAsync(int sequence, string outcome) => state.DecideAsync(async () =>
    {
        var entries = state.State.Entries;
        if (sequence >= 0 && sequence < entries.Length && entries[sequence].Outcome is null)
        {
            await state.SaveAsync(state.State with { Entries = entries.SetItem(sequence, entries[sequence] with { Outcome = outcome }) }, this);
        }
    });

    public Task<ImmutableArray<AuditEntry>> ListAsync() => Task.FromResult(state.State.Entries);
}
