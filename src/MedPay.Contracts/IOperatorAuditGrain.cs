using System.Collections.Immutable;

namespace MedPay.Contracts;

/// <summary>
/// The operators' audit trail of one UTC day, keyed <c>yyyy-MM-dd</c>. An action is recorded before it is carried out
/// (so none happens unrecorded) and its outcome added after.
/// </summary>
public interface IOperatorAuditGrain : IGrainWithStringKey
{
    /// <summary>Records an action about to be carried out; returns its sequence number in the day.</summary>
    Task<int> RecordAsync(AuditEntry entry);

    /// <summary>Adds how the action ended (for example "ok" or an error code).</summary>
    Task CompleteAsync(int sequence, string outcome);

    [Orleans.Concurrency.AlwaysInterleave]
    Task<ImmutableArray<AuditEntry>> ListAsync();

    /// <summary>The key of the audit trail of the UTC day of <paramref name="at"/>.</summary>
    static string DayKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
