using System.Collections.Immutable;
using MedPay.Contracts;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace MedPay.Grains;

/// <summary>The lines of one order-index shard, by order id.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderIndexState")]
public sealed record OrderIndexState
{
    [Id(0)] public ImmutableDictionary<string, OrderSummary> Orders { get; init; } = ImmutableDictionary<string, OrderSummary>.Empty;
}

/// <summary>
/// One shard of an order index (see <see cref="OrderIndexKeys"/>). Orders push their line here after each change; the
/// newer line wins, so updates that arrive out of order never move a line backwards. Group commit: lines that arrive
/// while a write is under way go into the next write together, and every caller returns only once its line is durable,
/// so a busy shard costs one write per batch rather than one per order.
/// A merchant's shard also sweeps its unpaid orders for expiry, with one reminder for the shard instead of one per order.
/// </summary>
[Reentrant]
public sealed class OrderIndexGrain(
    [PersistentState("index", MedPayGrainServices.StorageName)] IPersistentState<OrderIndexState> state,
    IClock clock,
    IOptions<OrderOptions> orderOptions,
    IOptions<RecoveryOptions> recovery) : Grain, IOrderIndexGrain, IRemindable
{
    private const string ExpiryReminder = "expire";
    private bool _sweeping;
    private Dictionary<string, OrderSummary> _pending = [];
    private TaskCompletionSource? _nextWrite;
    private bool _writing;

    public Task UpsertAsync(OrderSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (IsStale(state.State.Orders, summary) || (_pending.TryGetValue(summary.OrderId, out var waiting) && (summary.UpdatedAt < waiting.UpdatedAt || summary == waiting)))
        {
            // An older line arriving late, or a repeat: nothing to write.
            return Task.CompletedTask;
        }

        _pending[summary.OrderId] = summary;

        _nextWrite ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _nextWrite.Task;
        if (!_writing)
        {
            _writing = true;
            _ = WriteBatchesAsync();
        }

        return durable;
    }

    public Task<ImmutableArray<OrderSummary>> ListAsync()
    {
        var lines = state.State.Orders;
        foreach (var pending in _pending.Values)
        {
            lines = IsStale(lines, pending) ? lines : lines.SetItem(pending.OrderId, pending);
        }

        return Task.FromResult(lines.Values.ToImmutableArray());
    }

    /// <summary>Tells every unpaid order past its time to expire; each order decides from its own state.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var unpaid = (await ListAsync()).Where(o => o.Status == OrderStatus.Created).ToList();
        if (unpaid.Count == 0)
        {
            if (await this.GetReminder(ExpiryReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _sweeping = false;
            return;
        }

        var due = clock.UtcNow - orderOptions.Value.UnpaidExpiry;
        foreach (var order in unpaid.Where(o => o.CreatedAt <= due))
        {
            await GrainFactory.GetGrain<IMedicalOrderGrain>(order.OrderId).ExpireIfUnpaidAsync();
        }
    }

    private async Task WriteBatchesAsync()
    {
        while (_nextWrite is { } written)
        {
            var batch = _pending;
            _pending = [];
            _nextWrite = null;
            try
            {
                if (!_sweeping && batch.Values.Any(o => o.Status == OrderStatus.Created) && this.GetPrimaryKeyString().StartsWith("merchant|", StringComparison.Ordinal))
                {
                    await this.RegisterOrUpdateReminder(ExpiryReminder, recovery.Value.ResumeEvery, recovery.Value.ResumeEvery);
                    _sweeping = true;
                }

                await state.DecideAsync(() => state.SaveAsync(state.State with { Orders = Merge(state.State.Orders, batch.Values) }, this));
                written.SetResult();
            }
            catch (Exception e)
            {
                written.SetException(e);
            }
        }

        _writing = false;
    }

    private static ImmutableDictionary<string, OrderSummary> Merge(ImmutableDictionary<string, OrderSummary> lines, IEnumerable<OrderSummary> batch)
    {
        var builder = lines.ToBuilder();
        foreach (var line in batch)
        {
            if (!builder.TryGetValue(line.OrderId, out var stored) || (line.UpdatedAt >= stored.UpdatedAt && line != stored))
            {
                builder[line.OrderId] = line;
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsStale(ImmutableDictionary<string, OrderSummary> lines, OrderSummary line) =>
        lines.TryGetValue(line.OrderId, out var stored) && (line.UpdatedAt < stored.UpdatedAt || line == stored);
}
