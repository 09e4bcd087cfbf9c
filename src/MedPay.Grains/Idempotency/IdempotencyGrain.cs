using MedPay.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// The durable record of a key: only a completed response is ever written. <see cref="Attempt"/> and
/// <see cref="ClaimedAt"/> are no longer written (claims live in the activation's memory); records written before
/// may still carry them, and a record without a <see cref="Response"/> is taken as no record.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.IdempotencyState")]
public sealed record IdempotencyState
{
    [Id(0)] public string? Fingerprint { get; init; }
    /// <summary>No longer written.</summary>
    [Id(1)] public Guid Attempt { get; init; }
    /// <summary>No longer written.</summary>
    [Id(2)] public DateTimeOffset ClaimedAt { get; init; }
    [Id(3)] public StoredResponse? Response { get; init; }
    [Id(4)] public DateTimeOffset? CompletedAt { get; init; }
}

/// <summary>
/// One key. The in-flight claim is kept in this activation's memory only: one activation per key gives mutual exclusion
/// while it lives, and if its silo dies (or it is deactivated) the claim goes with it, so the client's retry is run
/// instead of being refused. Only the completed response is written, and it is replayed until <see cref="IdempotencyOptions.Retention"/>
/// has passed; an expired record is cleared when it is next found.
/// </summary>
public sealed class IdempotencyGrain(
    [PersistentState("idempotency", MedPayGrainServices.StorageName)] IPersistentState<IdempotencyState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IOptions<IdempotencyOptions> options) : Grain, IIdempotencyGrain
{
    private sealed record Claim(Guid Attempt, string Fingerprint, DateTimeOffset ClaimedAt);

    private Claim? _claim;

    public Task<IdempotencyDecision> BeginAsync(string requestFingerprint, Guid attempt, Guid? endedAttempt) => state.DecideAsync(async () =>
    {
        var now = time.GetUtcNow();
        if (endedAttempt is { } ended && _claim?.Attempt == ended)
        {
            // Its API process knows that attempt is over: its answer was sent and the give-back has not arrived yet.
            _claim = null;
        }

        if (state.State.Response is { } stored)
        {
            if (Live(state.State, now))
            {
                return state.State.Fingerprint == requestFingerprint
                    ? new IdempotencyDecision(IdempotencyOutcome.Replay, stored)
                    : new IdempotencyDecision(IdempotencyOutcome.Mismatch, null);
            }

            // Past its retention: the key is free again, and the stored body goes now.
            await state.ClearAsync(this);
        }

        if (_claim is { } claim && claim.ClaimedAt + options.Value.ClaimLease > now)
        {
            return claim.Fingerprint == requestFingerprint
                ? new IdempotencyDecision(IdempotencyOutcome.InProgress, null)
                : new IdempotencyDecision(IdempotencyOutcome.Mismatch, null);
        }

        _claim = new Claim(attempt, requestFingerprint, now);
        return new IdempotencyDecision(IdempotencyOutcome.Proceed, null);
    });

    public Task CompleteAsync(Guid attempt, StoredResponse response)
    {
        // Only the attempt holding the claim in this activation stores its response. An attempt whose claim was lost
        // (a deactivation, a lapsed lease) is unknown here and never overwrites what another attempt stored.
        if (_claim is not { } claim || claim.Attempt != attempt)
        {
            return Task.CompletedTask;
        }

        // The claim ends here, whether or not the write succeeds: if it fails, a repeat runs the request again.
        _claim = null;
        return state.DecideAsync(async () =>
        {
            var now = time.GetUtcNow();
            if (state.State.Response is null || !Live(state.State, now))
            {
                await state.SaveAsync(new IdempotencyState { Fingerprint = claim.Fingerprint, Response = response, CompletedAt = now }, this);
            }
        });
    }

    public Task AbandonAsync(Guid attempt)
    {
        if (_claim?.Attempt == attempt)
        {
            _claim = null;
        }

        return Task.CompletedTask;
    }

    private bool Live(IdempotencyState record, DateTimeOffset now) =>
        (record.CompletedAt ?? record.ClaimedAt) + options.Value.Retention > now;
}
