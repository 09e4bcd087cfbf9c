namespace MedPay.Grains;

/// <summary>
/// The clock MedPay's grains decide by (unpaid expiry, idempotency leases, stale reservations, manual review, the
/// times recorded in state): a <see cref="TimeProvider"/> resolved under its own key, <c>[FromKeyedServices(MedPayClock.Key)]</c>.
/// In production it is the silo's <see cref="TimeProvider"/> (<see cref="TimeProvider.System"/>).
/// </summary>
/// <remarks>
/// Why a key of its own rather than the silo's unkeyed <see cref="TimeProvider"/>: Orleans 10 takes its own time from
/// that same registration (membership, reminders, grain timers and activation collection each resolve a keyed
/// <see cref="TimeProvider"/> that falls back to the unkeyed one), and so does the remote platform's signed envelopes.
/// The cluster tests jump MedPay's time forward by half an hour to expire orders and leases; doing that to the unkeyed
/// provider would make every other silo look as if it had missed its I-am-alive updates, move reminder due times, and
/// stamp platform requests with a time the platform refuses. Under this key only MedPay's decisions move.
/// </remarks>
public static class MedPayClock
{
    public const string Key = "MedPay";
}
