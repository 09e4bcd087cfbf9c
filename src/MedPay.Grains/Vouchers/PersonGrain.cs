using Microsoft.Extensions.DependencyInjection;

namespace MedPay.Grains;

/// <summary>
/// One person (national ID), keyed by the keyed lookup of the ID (HMAC-SHA256 hex, never the ID itself): binds at most
/// one user id, so that one person has at most one e-voucher. Called only by <see cref="EVoucherGrain"/>, inside the cluster.
/// </summary>
public interface IPersonGrain : IGrainWithStringKey
{
    /// <summary>The account that holds (or last held) the person's voucher, or null if none has claimed the person.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<string?> HolderAsync();

    /// <summary>
    /// Binds the person to <paramref name="userId"/> if no account holds them yet, and answers the holder: that user id,
    /// or the account that already holds the person.
    /// </summary>
    Task<string> ClaimAsync(string userId);

    /// <summary>The person's voucher is now held by <paramref name="userId"/> (it moved there, or opened there afresh).</summary>
    Task MoveAsync(string userId);
}

[GenerateSerializer, Immutable, Alias("medpay.PersonState")]
public sealed record PersonState
{
    [Id(0)] public string? UserId { get; init; }
    [Id(1)] public DateTimeOffset ClaimedAt { get; init; }
}

public sealed class PersonGrain(
    [PersistentState("person", MedPayGrainServices.StorageName)] IPersistentState<PersonState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time) : Grain, IPersonGrain
{
    // A grain handles one call at a time, and the write is conditional on the ETag: two first claims for one person,
    // even from two activations after a split, cannot both bind it. The holder is where the voucher is looked for; the
    // vouchers themselves record where it moved, so a holder written late still leads to it.
    public Task<string?> HolderAsync() => Task.FromResult(state.State.UserId);

    public Task<string> ClaimAsync(string userId) => state.DecideAsync(async () =>
    {
        if (state.State.UserId is { } holder)
        {
            return holder;
        }

        await state.SaveAsync(new PersonState { UserId = userId, ClaimedAt = time.GetUtcNow() }, this);
        return userId;
    });

    public Task MoveAsync(string userId) => state.DecideAsync(async () =>
    {
        if (state.State.UserId != userId)
        {
            await state.SaveAsync(new PersonState { UserId = userId, ClaimedAt = time.GetUtcNow() }, this);
        }
    });
}
