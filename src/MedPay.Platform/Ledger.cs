using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MedPay.Platform;

public enum PlatformRecordKind
{
    Settlement,
    Refund,
    CashCharge,
    CashRefund,
}

/// <summary>
/// One outcome as the insurance platform or the cash channel recorded it, by its id (MedPay's settlement or refund
/// settlement id). Amounts are the counterpart's own figures; the requested ones are kept beside them.
/// </summary>
public sealed record PlatformRecord(
    PlatformRecordKind Kind,
    string Id,
    string OrderId,
    string? MerchantId,
    string? OriginalId,
    PlatformOutcome Outcome,
    string? Reference,
    long FundFen,
    long PersonalAccountFen,
    long CashFen,
    long RequestedFundFen,
    long RequestedPersonalAccountFen,
    long RequestedCashFen,
    string? Reason,
    DateTimeOffset At);

/// <summary>
/// Where the sandbox keeps its records. Each (kind, id) is recorded at most once, whatever the concurrency: that is
/// what makes "settled at most once at the platform" checkable from the platform's own records.
/// </summary>
public interface ISandboxLedger
{
    Task<PlatformRecord?> FindAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="record"/> unless its (kind, id) is recorded already; returns the record that stands.</summary>
    Task<PlatformRecord> AddOrGetAsync(PlatformRecord record, CancellationToken cancellationToken);

    /// <summary>Marks a succeeded settlement reversed; returns it (reversed), or null when there is no such settlement.</summary>
    Task<PlatformRecord?> ReverseAsync(string settlementId, CancellationToken cancellationToken);

    /// <summary>Counts one more request that arrived for (kind, id), repeats included.</summary>
    Task CountRequestAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken);

    Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken);

    /// <summary>Records of this kind whose original is <paramref name="originalId"/> (the refunds of a settlement).</summary>
    IAsyncEnumerable<PlatformRecord> RefundsOfAsync(PlatformRecordKind kind, string originalId, CancellationToken cancellationToken);

    /// <summary>Every record, or only those recorded on <paramref name="day"/> (UTC).</summary>
    IAsyncEnumerable<PlatformRecord> ListAsync(DateOnly? day, CancellationToken cancellationToken);
}

/// <summary>An in-memory ledger, for fast unit tests.</summary>
public sealed class MemoryLedger : ISandboxLedger
{
    private readonly ConcurrentDictionary<(PlatformRecordKind, string), PlatformRecord> _records = new();
    private readonly ConcurrentDictionary<(PlatformRecordKind, string), int> _requests = new();

    public IReadOnlyCollection<PlatformRecord> Records => [.. _records.Values];

    public Task<PlatformRecord?> FindAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken) =>
        Task.FromResult(_records.GetValueOrDefault((kind, id)));

    public Task<PlatformRecord> AddOrGetAsync(PlatformRecord record, CancellationToken cancellationToken) =>
        Task.FromResult(_records.GetOrAdd((record.Kind, record.Id), record));

    public Task<PlatformRecord?> ReverseAsync(string settlementId, CancellationToken cancellationToken)
    {
        var key = (PlatformRecordKind.Settlement, settlementId);
        while (_records.TryGetValue(key, out var known))
        {
            if (known.Outcome is not (PlatformOutcome.Succeeded or PlatformOutcome.Reversed))
            {
                return Task.FromResult<PlatformRecord?>(null);
            }

            var reversed = known with { Outcome = PlatformOutcome.Reversed };
            if (known.Outcome == PlatformOutcome.Reversed || _records.TryUpdate(key, reversed, known))
            {
                return Task.FromResult<PlatformRecord?>(reversed);
            }
        }

        return Task.FromResult<PlatformRecord?>(null);
    }

    public Task CountRequestAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken)
    {
        _requests.AddOrUpdate((kind, id), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken) =>
        Task.FromResult(_requests.GetValueOrDefault((kind, id)));

    public async IAsyncEnumerable<PlatformRecord> RefundsOfAsync(PlatformRecordKind kind, string originalId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var record in _records.Values.Where(r => r.Kind == kind && r.OriginalId == originalId))
        {
            yield return record;
        }
    }

    public async IAsyncEnumerable<PlatformRecord> ListAsync(DateOnly? day, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var record in _records.Values.Where(r => day is null || DateOnly.FromDateTime(r.At.UtcDateTime) == day))
        {
            yield return record;
        }
    }
}
