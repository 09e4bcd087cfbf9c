using System.Collections.Concurrent;
using System.Threading.Channels;
using MedPay.Contracts;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MedPay.Api;

/// <summary>
/// Gives an idempotency key back after an answer that is not stored (a refusal or a 5xx), or whose storing failed, so
/// that a repeat of the request runs at once. The give-back is a grain call and can fail while the cluster is changing
/// (a silo that held the key's directory entry just died, a time-out) although the key's activation, and its claim,
/// live on elsewhere. Then:
/// <list type="bullet">
/// <item>this process remembers the attempt as ended, and its next request with the key tells the grain so
/// (<see cref="IIdempotencyGrain.BeginAsync"/>'s <c>endedAttempt</c>): the client's retry runs at once;</item>
/// <item>and it keeps giving the key back in the background, with backoff, for as long as the claim's lease could hold
/// it, so that a retry through another API process runs too once the cluster answers again.</item>
/// </list>
/// Only a claim whose API process died with it waits for the lease.
/// </summary>
public sealed partial class IdempotencyGiveBack(IGrainFactory grains, TimeProvider time, ILogger<IdempotencyGiveBack> logger) : BackgroundService
{
    /// <summary>How long a claim can hold a key at most (the idempotency grain's lease, <c>MedPay:Idempotency:ClaimLease</c> on the silos).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);

    /// <summary>Ended attempts at most remembered: beyond, the oldest answer falls back on the lease (a cluster failing for a long time).</summary>
    private const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<string, Guid> _ended = new(StringComparer.Ordinal);
    private readonly Channel<(string RecordKey, Guid Attempt, DateTimeOffset Until)> _pending =
        Channel.CreateBounded<(string, Guid, DateTimeOffset)>(new BoundedChannelOptions(MaxRemembered) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>An attempt of this key that this process ended without the grain hearing of it, if any.</summary>
    public Guid? EndedAttempt(string recordKey) => _ended.TryGetValue(recordKey, out var attempt) ? attempt : null;

    /// <summary>The key was claimed again: the ended attempt no longer needs telling.</summary>
    public void Claimed(string recordKey, Guid? endedAttempt)
    {
        if (endedAttempt is { } ended)
        {
            _ended.TryRemove(new KeyValuePair<string, Guid>(recordKey, ended));
        }
    }

    /// <summary>Gives the key back now; if the cluster does not take it, remembers the attempt as ended and retries in the background.</summary>
    public async Task GiveBackAsync(string recordKey, Guid attempt)
    {
        try
        {
            await grains.GetGrain<IIdempotencyGrain>(recordKey).AbandonAsync(attempt);
            return;
        }
        catch (Exception e)
        {
            LogNotGivenBack(logger, e);
        }

        Ended(recordKey, attempt);
    }

    /// <summary>The attempt is over (its answer sent) but the grain may still hold its claim: remembered, and given back in the background.</summary>
    public void Ended(string recordKey, Guid attempt)
    {
        if (_ended.Count < MaxRemembered)
        {
            _ended[recordKey] = attempt;
        }

        _pending.Writer.TryWrite((recordKey, attempt, time.GetUtcNow() + ClaimLease));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var (recordKey, attempt, until) in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RetryAsync(recordKey, attempt, until, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task RetryAsync(string recordKey, Guid attempt, DateTimeOffset until, CancellationToken stoppingToken)
    {
        var remaining = until - time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            // Retried with backoff until the lease would have let the key go by itself anyway.
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
                .AddTimeout(new TimeoutStrategyOptions { Timeout = remaining })
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !stoppingToken.IsCancellationRequested),
                    MaxRetryAttempts = int.MaxValue,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                    MaxDelay = TimeSpan.FromSeconds(5),
                })
                .Build();
            try
            {
                await pipeline.ExecuteAsync(async _ => await grains.GetGrain<IIdempotencyGrain>(recordKey).AbandonAsync(attempt), stoppingToken);
                LogGivenBackLater(logger);
            }
            catch (Exception e) when (e is TimeoutRejectedException || (e is OperationCanceledException && stoppingToken.IsCancellationRequested))
            {
                // The lease has run out (or the API stops): the claim is gone by itself.
            }
            catch (Exception e)
            {
                LogNotGivenBack(logger, e);
            }
        }

        _ended.TryRemove(new KeyValuePair<string, Guid>(recordKey, attempt));
    }

    [LoggerMessage(LogLevel.Warning, "An idempotency claim could not be given back; this API remembers its attempt as ended and gives it back in the background")]
    private static partial void LogNotGivenBack(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "An idempotency claim that could not be given back at once was given back")]
    private static partial void LogGivenBackLater(ILogger logger);
}
