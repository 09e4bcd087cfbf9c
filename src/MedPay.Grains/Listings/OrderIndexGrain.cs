using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace MedPay.Grains;

/// <summary>The lines of one order-index shard, by order id.</summary>
[GenerateSerializer, Immutable, Alias("medpay.OrderIndexState")]
public sealed record OrderIndexState
{
    [Id(0)] public ImmutableDictionary<string, OrderSummary> Orders { get; init; } = ImmutableDictionary<string, OrderSummary>.Empty;

    /// <summary>On a merchant-day shard or a user's index: how many segments it has handed out (numbered from 0).</summary>
    [Id(1)] public int Segments { get; init; }

    /// <summary>
    /// On a merchant index: the orders of its lines that the expiry sweep found past created (or gone), so that they are
    /// not asked again (see <see cref="Domain.IndexSweep"/>). Lines themselves never change after creation.
    /// </summary>
    [Id(2)] public ImmutableHashSet<string> Swept { get; init; } = ImmutableHashSet<string>.Empty;
}

/// <summary>
/// One shard of an order index (see <see cref="OrderIndexKeys"/>). Orders write their line here once, at creation: what is
/// fixed then (id, merchant, user, total, creation time); listings read the rest live from the orders, so a line never
/// needs an update and never goes stale. The newer line wins, and an identical line (a repeated creation) writes
/// nothing. Group commit: lines that arrive
/// while a write is under way go into the next write together, and every caller returns only once its line is durable,
/// so a busy shard costs one write per batch rather than one per order.
/// A merchant-day shard hands its new orders out to segments of at most <see cref="OrderOptions.IndexSegmentSize"/> lines
/// (the grains keyed <see cref="OrderIndexKeys.Segment"/>), so that no write rewrites a whole busy day; it records only
/// how many segments it opened after the first (segment 0 needs no write), once per segment; a new activation carries on
/// in the last segment while it has room. It keeps the lines of orders from before segments itself. A user's
/// index does the same with its user's orders (a user with thousands of orders would otherwise make one record past
/// Azure Table's 1 MB entity limit): its segments are keyed <c>user|{id}|{n}</c>.
/// Every merchant index grain sweeps its own unpaid orders for expiry, with one reminder for all its lines instead of
/// one per order: it asks each order past <see cref="OrderOptions.UnpaidExpiry"/> (see <see cref="IndexSweep"/>) and
/// records those that are done in its next group write, off the payment path.
/// </summary>
[Reentrant]
public sealed class OrderIndexGrain(
    [PersistentState("index", MedPayGrainServices.StorageName)] IPersistentState<OrderIndexState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IOptions<OrderOptions> orderOptions,
    IOptions<RecoveryOptions> recovery,
    ILogger<OrderIndexGrain> logger) : Grain, IOrderIndexGrain, IRemindable
{
    private const string ExpiryReminder = "expire";

    /// <summary>How many orders one sweep asks at once.</summary>
    private const int SweepParallelism = 16;

    private OpenWorkReminder? _sweep;
    private bool _sweepRunning;
    private Dictionary<string, OrderSummary> _pending = [];
    private HashSet<string> _sweptPending = new(StringComparer.Ordinal);
    private TaskCompletionSource? _nextWrite;
    private bool _writing;
    private int _segmentsWanted;
    private int _slotsLeft;

    /// <summary>The segment this activation hands slots out in; -1 until it has looked at its last one.</summary>
    private int _open = -1;
    private Task? _opening;

    private string Key => this.GetPrimaryKeyString();

    public Task UpsertAsync(OrderSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (IsStale(state.State.Orders, summary) || (_pending.TryGetValue(summary.OrderId, out var waiting) && (summary.UpdatedAt < waiting.UpdatedAt || summary == waiting)))
        {
            // An older line arriving late, or a repeat: nothing to write.
            return Task.CompletedTask;
        }

        _pending[summary.OrderId] = summary;
        return WriteSoonAsync();
    }

    public async Task<ImmutableArray<OrderSummary>> ListAsync()
    {
        var own = OwnLines();
        var segments = SegmentCount;
        if (segments == 0)
        {
            return own;
        }

        var lines = await Task.WhenAll(Enumerable.Range(0, segments)
            .Select(segment => GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(Key, segment)).ListAsync()));
        return [.. own, .. lines.SelectMany(l => l)];
    }

    public Task<int> CountAsync() => Task.FromResult(OwnLines().Length);

    /// <summary>
    /// How many segments may hold lines: on a grain that hands out segments, segment 0 exists without a write (a user's
    /// first order costs no write of its index's own record), and the record counts those opened after it.
    /// </summary>
    private int SegmentCount => OrderIndexKeys.HandsOutSegments(Key) ? Math.Max(1, state.State.Segments) : state.State.Segments;

    /// <summary>
    /// A slot in the open segment. A new activation carries on in the last segment if it has room (it asks it how many
    /// lines it holds); when it is full, the next segment is opened, durably, before any order is sent there, so that a
    /// listing always knows every segment that may hold a line.
    /// </summary>
    public async Task<int> AssignSegmentAsync()
    {
        if (!OrderIndexKeys.HandsOutSegments(Key))
        {
            throw new InvalidOperationException($"Only a merchant-day shard or a user's index hands out segments, not {Key}.");
        }

        while (_slotsLeft == 0)
        {
            if (_opening is null or { IsCompleted: true })
            {
                _opening = _open < 0 ? ResumeLastSegmentAsync() : OpenSegmentAsync(_open + 1);
            }

            await _opening;
        }

        _slotsLeft--;
        return _open;
    }

    private async Task ResumeLastSegmentAsync()
    {
        var last = SegmentCount - 1;
        var held = await GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.Segment(Key, last)).CountAsync();
        if (held < SegmentSize)
        {
            _open = last;
            _slotsLeft = SegmentSize - held;
        }
        else
        {
            await OpenSegmentAsync(last + 1);
        }
    }

    private async Task OpenSegmentAsync(int segment)
    {
        _segmentsWanted = segment + 1;
        await WriteSoonAsync();
        _open = segment;
        _slotsLeft = SegmentSize;
    }

    private int SegmentSize => Math.Max(1, orderOptions.Value.IndexSegmentSize);

    /// <summary>This grain's own lines, with those not yet written.</summary>
    private ImmutableArray<OrderSummary> OwnLines()
    {
        var lines = state.State.Orders;
        foreach (var pending in _pending.Values)
        {
            lines = IsStale(lines, pending) ? lines : lines.SetItem(pending.OrderId, pending);
        }

        return [.. lines.Values];
    }

    /// <summary>Joins the next group write (starting the writer if none is running); completes once that write is durable.</summary>
    private Task WriteSoonAsync()
    {
        _nextWrite ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _nextWrite.Task;
        if (!_writing)
        {
            _writing = true;
            _ = WriteBatchesAsync();
        }

        return durable;
    }

    /// <summary>
    /// Asks every order of its open lines that is past its time to expire if still unpaid (each order decides from its own
    /// state), and records durably, in one group write, those that answer they are past created, so the next sweep does
    /// not ask them again. Once no line is open, the reminder goes.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder || _sweepRunning)
        {
            return;
        }

        _sweepRunning = true;
        try
        {
            await SweepAsync();
        }
        finally
        {
            _sweepRunning = false;
        }
    }

    /// <summary>The expiry reminder: it exists while this merchant shard holds orders that may still expire unpaid.</summary>
    private OpenWorkReminder Sweep => _sweep ??= new(this, ExpiryReminder, recovery.Value.ResumeEvery);

    private async Task SweepAsync()
    {
        var open = IndexSweep.Open(OwnLines(), state.State.Swept.Union(_sweptPending));
        if (open.Count == 0)
        {
            await Sweep.ReleaseAsync();
            return;
        }

        var done = new List<string>();
        foreach (var batch in IndexSweep.Due(open, time.GetUtcNow(), orderOptions.Value.UnpaidExpiry).Chunk(SweepParallelism))
        {
            var answers = await Task.WhenAll(batch.Select(async line =>
            {
                try
                {
                    var status = await GrainFactory.GetGrain<IMedicalOrderGrain>(line.OrderId).ExpireIfDueAsync();
                    return (line.OrderId, Done: IndexSweep.IsDone(status is not null, status));
                }
                catch (Exception e)
                {
                    // Asked again at the next sweep.
                    logger.LogWarning(e, "Index {Key}: order {OrderId} could not be asked to expire", Key, line.OrderId);
                    return (line.OrderId, Done: false);
                }
            }));
            done.AddRange(answers.Where(a => a.Done).Select(a => a.OrderId));
        }

        if (done.Count > 0)
        {
            _sweptPending.UnionWith(done);
            await WriteSoonAsync();
        }
    }

    private async Task WriteBatchesAsync()
    {
        while (_nextWrite is { } written)
        {
            var batch = _pending;
            _pending = [];
            var swept = _sweptPending;
            _sweptPending = new(StringComparer.Ordinal);
            _nextWrite = null;
            try
            {
                if (batch.Values.Any(o => o.Status == OrderStatus.Created) && Key.StartsWith("merchant|", StringComparison.Ordinal))
                {
                    await Sweep.EnsureAsync();
                }

                await state.DecideAsync(() => state.SaveAsync(
                    state.State with
                    {
                        Orders = Merge(state.State.Orders, batch.Values),
                        Segments = Math.Max(state.State.Segments, _segmentsWanted),
                        Swept = state.State.Swept.Union(swept),
                    },
                    this));
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
