namespace MedPay.Platform;

/// <summary>Which of the sandbox's answers a rule scripts.</summary>
public enum SandboxTarget
{
    /// <summary>The insurance platform's settlement of the order.</summary>
    Platform,
    /// <summary>The cash channel's charge of the order's self-pay part.</summary>
    Cash,
    /// <summary>The insurance platform's refunds of the order.</summary>
    PlatformRefund,
    /// <summary>The cash channel's refunds of the order.</summary>
    CashRefund,
    /// <summary>The insurance platform's answers to queries of a settlement it holds for the order (Timeout: no answer).</summary>
    PlatformQuery,
}

/// <summary>
/// What a test or a demo may do to the sandbox from outside: script its answers per order and its people, and read its
/// own records (to check, from the platform's side, that each settlement was charged once). The sandbox process serves
/// it on its admin endpoint (<see cref="SandboxAdminClient"/>); <see cref="InProcessSandboxControl"/> drives an
/// in-process sandbox the same way.
/// </summary>
public interface ISandboxControl
{
    Task ScriptAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default);

    Task PersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default);

    /// <summary>How many requests arrived for (kind, id), repeats included.</summary>
    Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default);

    Task<PlatformRecord?> RecordAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default);

    /// <summary>Every record of the order (all kinds), or every record when <paramref name="orderId"/> is null.</summary>
    Task<IReadOnlyList<PlatformRecord>> RecordsAsync(string? orderId = null, CancellationToken cancellationToken = default);
}

/// <summary>Drives an in-process sandbox: its script and its ledger.</summary>
public sealed class InProcessSandboxControl(ISandboxScript script, ISandboxLedger ledger) : ISandboxControl
{
    public Task ScriptAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default) =>
        script.SetAsync(orderId, target, rule, cancellationToken);

    public Task PersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default) =>
        script.SetPersonAsync(nationalId.ToUpperInvariant(), person, cancellationToken);

    public Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default) =>
        ledger.RequestsAsync(kind, id, cancellationToken);

    public Task<PlatformRecord?> RecordAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default) =>
        ledger.FindAsync(kind, id, cancellationToken);

    public async Task<IReadOnlyList<PlatformRecord>> RecordsAsync(string? orderId = null, CancellationToken cancellationToken = default)
    {
        var records = new List<PlatformRecord>();
        await foreach (var record in ledger.ListAsync(null, cancellationToken))
        {
            if (orderId is null || record.OrderId == orderId)
            {
                records.Add(record);
            }
        }

        return records;
    }
}

public static class SandboxControlExtensions
{
    public static Task PlatformAsync(this ISandboxControl sandbox, string orderId, SandboxRule rule) => sandbox.ScriptAsync(orderId, SandboxTarget.Platform, rule);

    public static Task CashAsync(this ISandboxControl sandbox, string orderId, SandboxRule rule) => sandbox.ScriptAsync(orderId, SandboxTarget.Cash, rule);

    public static Task PlatformRefundAsync(this ISandboxControl sandbox, string orderId, SandboxRule rule) => sandbox.ScriptAsync(orderId, SandboxTarget.PlatformRefund, rule);

    public static Task CashRefundAsync(this ISandboxControl sandbox, string orderId, SandboxRule rule) => sandbox.ScriptAsync(orderId, SandboxTarget.CashRefund, rule);
}
