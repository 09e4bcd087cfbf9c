using MedPay.Contracts;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>How long idempotency keys are kept and claimed: <c>MedPay:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "MedPay:Idempotency";

    /// <summary>A key answers repeats with its first response for at least this long.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A claim whose request never completed (the API died) lapses after this, and a repeat runs the request again.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);
}

[GenerateSerializer, Immutable, Alias("medpay.IdempotencyState")]
public sealed record IdempotencyState
{
    [Id(0)] public string? Fingerprint { get; init; }
    [Id(1)] public Guid Attempt { get; init; }
    [Id(2)] public DateTimeOffset ClaimedAt { get; init; }
    [Id(3)] public StoredResponse? Response { get; init; }
    [Id(4)] public DateTimeOffset? CompletedAt { get; init; }
}

public sealed class IdempotencyGrain(
    [PersistentState("idempotency", MedPayGrainServices.StorageName)] IPersistentState<IdempotencyState> state,
    IClock clock,
    IOptions<IdempotencyOptions> options) : Grain, IIdempotencyGrain
{
    public Task<IdempotencyDecision> BeginAsync(string requestFingerprint, Guid attempt) => state.DecideAsync(async () =>
    {
        var current = state.State;
        var now = clock.UtcNow;
        var live = current.Fingerprint is not null
            && (current.CompletedAt is { } completed ? completed + options.Value.Retention > now : current.ClaimedAt + options.Value.ClaimLease > now);
        if (live && current.Fingerprint != requestFingerprint)
        {
            return new IdempotencyDecision(IdempotencyOutcome.Mismatch, null);
        }

        if (live && current.Response is { } stored)
        {
            return new IdempotencyDecision(IdempotencyOutcome.Replay, stored);
        }

        if (live)
        {
            return new IdempotencyDecision(IdempotencyOutcome.InProgress, null);
        }

        await state.SaveAsync(new IdempotencyState { Fingerprint = requestFingerprint, Attempt = attempt, ClaimedAt = now }, this);
        return new IdempotencyDecision(IdempotencyOutcome.Proceed, null);
    });

    public Task CompleteAsync(Guid attempt, StoredResponse response) => state.DecideAsync(async () =>
    {
        if (state.State.Attempt == attempt && state.State.Response is null)
        {
            await state.SaveAsync(state.State with { Response = response, CompletedAt = clock.UtcNow }, this);
        }
    });

    public Task AbandonAsync(Guid attempt) => state.DecideAsync(async () =>
    {
        if (state.State.Attempt == attempt && state.State.Response is null)
        {
            await state.SaveAsync(new IdempotencyState(), this);
        }
    });
}
