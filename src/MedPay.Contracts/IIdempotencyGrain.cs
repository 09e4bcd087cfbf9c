namespace MedPay.Contracts;

/// <summary>One idempotency key of one caller, keyed by a hash of the caller, the route and the key.</summary>
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Claims the key for <paramref name="attempt"/> if no live response is stored and no other attempt holds it. The
    /// claim lives in the activation's memory only: it ends with the activation, and nothing is written for it.
    /// <paramref name="endedAttempt"/> is an earlier attempt of this key that the caller knows has ended without giving
    /// the key back (its answer was sent, and the give-back did not reach this grain): if it still holds the claim, the
    /// claim is dropped first, so that the repeat runs at once instead of waiting out the lease.
    /// </summary>
    Task<IdempotencyDecision> BeginAsync(string requestFingerprint, Guid attempt, Guid? endedAttempt);

    /// <summary>Stores the response of the attempt that holds the claim; an attempt that does not hold it (any more) is ignored.</summary>
    Task CompleteAsync(Guid attempt, StoredResponse response);

    /// <summary>Gives the key back after a response that must not be replayed (a refusal or a 5xx: the request may be retried). Writes nothing.</summary>
    Task AbandonAsync(Guid attempt);
}
