using Microsoft.Extensions.DependencyInjection;

namespace MedPay.Grains;

/// <summary>
/// One person (national ID), keyed by the keyed lookup of the ID (HMAC-SHA256 hex, never the ID itself): binds at most
/// one user id, so that one person has at most one e-voucher. Called only by <see cref="EVoucherGrain"/>, inside the cluster.
/// </summary>
public interface IPersonGrain : IGrainWithStringKey
{
    /// <summary>
    /// Binds the person to <paramref name="userId"/> if no one else holds them: true for the first claimant and for any
    /// repeat by the same user id, false for every other user id; a refused claim changes nothing.
    /// </summary>
    Task<bool> ClaimAsync(string userId);
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
    // A grain handles one call at a time, and the write is conditional on the ETag: two claims for one person, even
    // from two activations after a split, cannot both bind it.
    public Task<bool> ClaimAsync(string userId) => state.DecideAsync(async () =>
    {
        if (state.State.UserId is { } holder)
        {
            return holder == userId;
        }

        await state.SaveAsync(new PersonState { UserId = userId, ClaimedAt = time.GetUtcNow() }, this);
        return true;
    });
}
