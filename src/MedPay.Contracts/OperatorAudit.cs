using System.Collections.Immutable;

namespace MedPay.Contracts;

/// <summary>One operator action: who (by name and subject), when, what was asked on which target, why, and how it ended.</summary>
[GenerateSerializer, Immutable, Alias("medpay.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string OperatorSubject,
    [property: Id(2)] string OperatorName,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] string Change,
    [property: Id(6)] string Reason,
    [property: Id(7)] string? Outcome = null);
