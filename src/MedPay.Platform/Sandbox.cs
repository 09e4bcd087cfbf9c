using System.Collections.Concurrent;
using MedPay.Contracts;

namespace MedPay.Platform;

public enum SandboxFault
{
    /// <summary>Refuse with a reason.</summary>
    Decline,
    /// <summary>Wait, then answer normally.</summary>
    Delay,
    /// <summary>Wait, then fail without taking effect: the caller cannot tell.</summary>
    Timeout,
    /// <summary>Take effect, then fail as a timeout: the reply is lost.</summary>
    LoseReply,
    /// <summary>Take effect but report other amounts than asked (platform only).</summary>
    MisreportAmounts,
    /// <summary>Fail as a timeout now, and take effect after the delay: the request arrived late (platform only).</summary>
    SucceedLate,
}

/// <summary>One scripted behaviour; <paramref name="Times"/> calls use it, then the sandbox behaves normally again.</summary>
public sealed record SandboxRule(SandboxFault Fault, TimeSpan Delay = default, string? Reason = null, int Times = int.MaxValue);

/// <summary>
/// What the sandbox should do for a given order id, and who it says people are. Tests and demos script declines, delays,
/// time-outs and lost replies here; with nothing scripted the sandbox accepts every request. In memory
/// (<see cref="SandboxScript"/>) for unit tests; in the sandbox process's tables, so that a script outlives a restart.
/// </summary>
public interface ISandboxScript
{
    Task SetAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default);

    /// <summary>The rule for this call, if any, counting it against the rule's <see cref="SandboxRule.Times"/>.</summary>
    Task<SandboxRule?> TakeAsync(string orderId, SandboxTarget target, CancellationToken cancellationToken = default);

    Task SetPersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default);

    Task<SandboxPerson?> PersonAsync(string nationalId, CancellationToken cancellationToken = default);
}

/// <summary>The script in memory, for unit tests and the in-process sandbox.</summary>
public sealed class SandboxScript : ISandboxScript
{
    public Task SetAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default)
    {
        Set(orderId, target, rule);
        return Task.CompletedTask;
    }

    public Task<SandboxRule?> TakeAsync(string orderId, SandboxTarget target, CancellationToken cancellationToken = default) =>
        Task.FromResult(Take(Rules(target), orderId));

    public Task SetPersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default)
    {
        Person(nationalId, person);
        return Task.CompletedTask;
    }

    public Task<SandboxPerson?> PersonAsync(string nationalId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_people.GetValueOrDefault(nationalId));

    private readonly ConcurrentDictionary<string, SandboxRule> _platform = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _cash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _platformRefunds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _cashRefunds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _platformQueries = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, SandboxPerson> _people = new(StringComparer.OrdinalIgnoreCase);

    public void Platform(string orderId, SandboxRule rule) => _platform[orderId] = rule;

    /// <summary>Scripts one of the sandbox's answers to the order.</summary>
    public void Set(string orderId, SandboxTarget target, SandboxRule rule) => Rules(target)[orderId] = rule;

    private ConcurrentDictionary<string, SandboxRule> Rules(SandboxTarget target) => target switch
    {
        SandboxTarget.Platform => _platform,
        SandboxTarget.Cash => _cash,
        SandboxTarget.PlatformRefund => _platformRefunds,
        SandboxTarget.CashRefund => _cashRefunds,
        SandboxTarget.PlatformQuery => _platformQueries,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>Scripts who the platform says the person with this national ID is (by default: an employee of the ID's city).</summary>
    public void Person(string nationalId, SandboxPerson person) => _people[nationalId] = person;


    public void Cash(string orderId, SandboxRule rule) => _cash[orderId] = rule;

    /// <summary>Scripts the platform's answer to the order's refunds.</summary>
    public void PlatformRefund(string orderId, SandboxRule rule) => _platformRefunds[orderId] = rule;

    /// <summary>Scripts the cash channel's answer to the order's refunds.</summary>
    public void CashRefund(string orderId, SandboxRule rule) => _cashRefunds[orderId] = rule;

    private static SandboxRule? Take(ConcurrentDictionary<string, SandboxRule> rules, string orderId)
    {
        while (rules.TryGetValue(orderId, out var rule))
        {
            if (rule.Times <= 0)
            {
                rules.TryRemove(new(orderId, rule));
                continue;
            }

            var remaining = rule.Times == int.MaxValue ? rule : rule with { Times = rule.Times - 1 };
            if (remaining.Times <= 0 ? rules.TryRemove(new(orderId, rule)) : rules.TryUpdate(orderId, remaining, rule))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>A reference derived from the settlement id: the same after a restart, different for every settlement.</summary>
    internal static string Reference(string prefix, string settlementId) =>
        prefix + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(settlementId)), 0, 8);

    internal static async Task ApplyDelayAsync(SandboxRule? rule, TimeProvider time, CancellationToken cancellationToken)
    {
        if (rule is { Fault: SandboxFault.Delay or SandboxFault.Timeout or SandboxFault.LoseReply, Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
    }
}

/// <summary>
/// A scripted person: <paramref name="InsuranceType"/> and <paramref name="InsuredRegion"/> replace the defaults when given;
/// <paramref name="Insured"/> false makes the platform know no such person; <paramref name="Delay"/> holds the answer.
/// </summary>
public sealed record SandboxPerson(InsuranceType? InsuranceType = null, string? InsuredRegion = null, bool Insured = true, TimeSpan Delay = default);

/// <summary>
/// A deterministic insurance platform over a <see cref="ISandboxLedger"/>: in memory for fast unit tests, in Azure
/// tables in the sandbox process. A person is insured in the city of the national ID's region code
/// (<c>330106</c> → <c>330100</c>) as an employee, unless scripted (<see cref="SandboxScript.Person"/>). The personal-account balance of an employee is the national ID's
/// 3-digit sequence number (characters 15 to 17) × 1,000 fen; residents have no personal account (0).
/// </summary>
public sealed class SandboxInsurancePlatform(ISandboxScript script, ISandboxLedger ledger, TimeProvider time) : IInsurancePlatform
{
    /// <summary>An in-memory platform, for unit tests.</summary>
    public SandboxInsurancePlatform(SandboxScript script)
        : this(script, new MemoryLedger(), TimeProvider.System)
    {
    }

    public ISandboxLedger Ledger => ledger;

    public static long BalanceFor(string nationalId, InsuranceType insuranceType) =>
        insuranceType == InsuranceType.Employee ? int.Parse(nationalId.AsSpan(14, 3)) * 1_000L : 0;

    public async Task<PlatformPerson?> FindPersonAsync(string nationalId, CancellationToken cancellationToken)
    {
        var id = nationalId.ToUpperInvariant();
        var scripted = await script.PersonAsync(id, cancellationToken);
        if (scripted is { Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }

        if (scripted is { Insured: false })
        {
            return null;
        }

        var type = scripted?.InsuranceType ?? InsuranceType.Employee;
        return new PlatformPerson(scripted?.InsuredRegion ?? string.Concat(id.AsSpan(0, 4), "00"), type, BalanceFor(id, type));
    }

    public async Task<PlatformReply> SettleAsync(PlatformSettleRequest request, CancellationToken cancellationToken)
    {
        await ledger.CountRequestAsync(PlatformRecordKind.Settlement, request.SettlementId, cancellationToken);
        var rule = await script.TakeAsync(request.OrderId, SandboxTarget.Platform, cancellationToken);
        await SandboxScript.ApplyDelayAsync(rule, time, cancellationToken);
        if (await ledger.FindAsync(PlatformRecordKind.Settlement, request.SettlementId, cancellationToken) is { } known)
        {
            return Reply(known);
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                // A decline is the platform's final answer for this settlement id.
                return Reply(await ledger.AddOrGetAsync(Settlement(request, PlatformOutcome.Declined, false, rule.Reason ?? "declined by the insurance platform sandbox"), cancellationToken));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The insurance platform did not answer in time.");
            case SandboxFault.SucceedLate:
                _ = SettleLateAsync(request, rule.Delay);
                throw new OutcomeUnknownException("The insurance platform did not answer in time (it will settle late).");
        }

        var settlement = await ledger.AddOrGetAsync(Settlement(request, PlatformOutcome.Succeeded, rule?.Fault == SandboxFault.MisreportAmounts, null), cancellationToken);
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The insurance platform's reply was lost.") : Reply(settlement);
    }

    private async Task SettleLateAsync(PlatformSettleRequest request, TimeSpan delay)
    {
        await Task.Delay(delay, time);
        await ledger.AddOrGetAsync(Settlement(request, PlatformOutcome.Succeeded, false, null), CancellationToken.None);
    }

    private PlatformRecord Settlement(PlatformSettleRequest request, PlatformOutcome outcome, bool misreport, string? reason)
    {
        var succeeded = outcome == PlatformOutcome.Succeeded;
        return new PlatformRecord(
            PlatformRecordKind.Settlement,
            request.SettlementId,
            request.OrderId,
            request.MerchantId,
            null,
            outcome,
            succeeded ? SandboxScript.Reference("PS", request.SettlementId) : null,
            !succeeded ? 0 : misreport ? request.FundFen + 1 : request.FundFen,
            !succeeded ? 0 : misreport ? Math.Max(0, request.PersonalAccountFen - 1) : request.PersonalAccountFen,
            0,
            request.FundFen,
            request.PersonalAccountFen,
            0,
            reason,
            time.GetUtcNow());
    }

    public async Task<PlatformReply> RefundAsync(PlatformRefundRequest request, CancellationToken cancellationToken)
    {
        await ledger.CountRequestAsync(PlatformRecordKind.Refund, request.RefundSettlementId, cancellationToken);
        var rule = await script.TakeAsync(request.OrderId, SandboxTarget.PlatformRefund, cancellationToken);
        await SandboxScript.ApplyDelayAsync(rule, time, cancellationToken);
        if (await ledger.FindAsync(PlatformRecordKind.Refund, request.RefundSettlementId, cancellationToken) is { } known)
        {
            return Reply(known);
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                return Reply(await ledger.AddOrGetAsync(Refund(request, PlatformOutcome.Declined, rule.Reason ?? "refund declined by the insurance platform sandbox"), cancellationToken));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The insurance platform did not answer the refund in time.");
        }

        var original = await ledger.FindAsync(PlatformRecordKind.Settlement, request.OriginalSettlementId, cancellationToken);
        if (original is not { Outcome: PlatformOutcome.Succeeded })
        {
            // Not recorded: the refund may be asked again once the settlement is known (a late settlement).
            return new(PlatformOutcome.Declined, null, 0, 0, "no such settlement to refund");
        }

        var refunded = await RefundedAsync(request.OriginalSettlementId, cancellationToken);
        if (refunded.Fund + request.FundFen > original.FundFen || refunded.Personal + request.PersonalAccountFen > original.PersonalAccountFen)
        {
            return Reply(await ledger.AddOrGetAsync(Refund(request, PlatformOutcome.Declined, "the refunds would exceed the settlement"), cancellationToken));
        }

        var refund = await ledger.AddOrGetAsync(Refund(request, PlatformOutcome.Succeeded, null), cancellationToken);
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The insurance platform's refund reply was lost.") : Reply(refund);
    }

    private async Task<(long Fund, long Personal)> RefundedAsync(string settlementId, CancellationToken cancellationToken)
    {
        long fund = 0, personal = 0;
        await foreach (var refund in ledger.RefundsOfAsync(PlatformRecordKind.Refund, settlementId, cancellationToken))
        {
            if (refund.Outcome == PlatformOutcome.Succeeded)
            {
                fund += refund.FundFen;
                personal += refund.PersonalAccountFen;
            }
        }

        return (fund, personal);
    }

    private PlatformRecord Refund(PlatformRefundRequest request, PlatformOutcome outcome, string? reason)
    {
        var succeeded = outcome == PlatformOutcome.Succeeded;
        return new PlatformRecord(
            PlatformRecordKind.Refund,
            request.RefundSettlementId,
            request.OrderId,
            null,
            request.OriginalSettlementId,
            outcome,
            succeeded ? SandboxScript.Reference("PR", request.RefundSettlementId) : null,
            succeeded ? request.FundFen : 0,
            succeeded ? request.PersonalAccountFen : 0,
            0,
            request.FundFen,
            request.PersonalAccountFen,
            0,
            reason,
            time.GetUtcNow());
    }

    public async Task<PlatformReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        await ledger.FindAsync(PlatformRecordKind.Refund, refundSettlementId, cancellationToken) is { } known ? Reply(known) : NotFound;

    public async Task<PlatformReply> QueryAsync(string settlementId, CancellationToken cancellationToken)
    {
        var known = await ledger.FindAsync(PlatformRecordKind.Settlement, settlementId, cancellationToken);
        if (known is not null && await script.TakeAsync(known.OrderId, SandboxTarget.PlatformQuery, cancellationToken) is { Fault: SandboxFault.Timeout })
        {
            throw new OutcomeUnknownException("The insurance platform did not answer the query in time.");
        }

        return known is not null ? Reply(known) : NotFound;
    }

    public async Task<PlatformReply> ReverseAsync(string settlementId, CancellationToken cancellationToken) =>
        await ledger.ReverseAsync(settlementId, cancellationToken) is { } reversed ? Reply(reversed) : NotFound;

    public async Task<PlatformStatement> GetStatementAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var lines = new List<PlatformStatementLine>();
        await foreach (var record in ledger.ListAsync(day, cancellationToken))
        {
            if (record is { Kind: PlatformRecordKind.Settlement or PlatformRecordKind.Refund, Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed })
            {
                lines.Add(new(
                    record.Id,
                    record.Kind == PlatformRecordKind.Refund,
                    record.OrderId,
                    record.MerchantId,
                    record.OriginalId,
                    record.Outcome == PlatformOutcome.Reversed,
                    record.FundFen,
                    record.PersonalAccountFen,
                    record.At));
            }
        }

        return new PlatformStatement(day, [.. lines.OrderBy(l => l.At).ThenBy(l => l.Id, StringComparer.Ordinal)]);
    }

    private static readonly PlatformReply NotFound = new(PlatformOutcome.NotFound, null, 0, 0, null);

    private static PlatformReply Reply(PlatformRecord r) => new(r.Outcome, r.Reference, r.FundFen, r.PersonalAccountFen, r.Reason);
}

/// <summary>A deterministic cash channel over a <see cref="ISandboxLedger"/> that accepts every charge unless scripted otherwise.</summary>
public sealed class SandboxCashChannel(ISandboxScript script, ISandboxLedger ledger, TimeProvider time) : ICashChannel
{
    /// <summary>An in-memory cash channel, for unit tests.</summary>
    public SandboxCashChannel(SandboxScript script)
        : this(script, new MemoryLedger(), TimeProvider.System)
    {
    }

    public ISandboxLedger Ledger => ledger;

    public async Task<CashReply> ChargeAsync(string settlementId, string orderId, long amountFen, CancellationToken cancellationToken)
    {
        await ledger.CountRequestAsync(PlatformRecordKind.CashCharge, settlementId, cancellationToken);
        var rule = await script.TakeAsync(orderId, SandboxTarget.Cash, cancellationToken);
        await SandboxScript.ApplyDelayAsync(rule, time, cancellationToken);
        if (await ledger.FindAsync(PlatformRecordKind.CashCharge, settlementId, cancellationToken) is { } known)
        {
            return Reply(known);
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                return Reply(await ledger.AddOrGetAsync(Record(PlatformRecordKind.CashCharge, settlementId, null, orderId, amountFen, rule.Reason ?? "declined by the cash channel sandbox"), cancellationToken));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The cash channel did not answer in time.");
        }

        var charge = await ledger.AddOrGetAsync(Record(PlatformRecordKind.CashCharge, settlementId, null, orderId, amountFen, null), cancellationToken);
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The cash channel's reply was lost.") : Reply(charge);
    }

    public async Task<CashReply> QueryAsync(string settlementId, CancellationToken cancellationToken) =>
        await ledger.FindAsync(PlatformRecordKind.CashCharge, settlementId, cancellationToken) is { } known ? Reply(known) : NotFound;

    public async Task<CashReply> RefundAsync(string refundSettlementId, string originalSettlementId, string orderId, long amountFen, CancellationToken cancellationToken)
    {
        await ledger.CountRequestAsync(PlatformRecordKind.CashRefund, refundSettlementId, cancellationToken);
        var rule = await script.TakeAsync(orderId, SandboxTarget.CashRefund, cancellationToken);
        await SandboxScript.ApplyDelayAsync(rule, time, cancellationToken);
        if (await ledger.FindAsync(PlatformRecordKind.CashRefund, refundSettlementId, cancellationToken) is { } known)
        {
            return Reply(known);
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                return Reply(await ledger.AddOrGetAsync(Record(PlatformRecordKind.CashRefund, refundSettlementId, originalSettlementId, orderId, amountFen, rule.Reason ?? "refund declined by the cash channel sandbox"), cancellationToken));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The cash channel did not answer the refund in time.");
        }

        if (await ledger.FindAsync(PlatformRecordKind.CashCharge, originalSettlementId, cancellationToken) is not { Outcome: PlatformOutcome.Succeeded })
        {
            return new CashReply(CashOutcome.Declined, null, 0, "no such charge to refund");
        }

        var refund = await ledger.AddOrGetAsync(Record(PlatformRecordKind.CashRefund, refundSettlementId, originalSettlementId, orderId, amountFen, null), cancellationToken);
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The cash channel's refund reply was lost.") : Reply(refund);
    }

    public async Task<CashReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        await ledger.FindAsync(PlatformRecordKind.CashRefund, refundSettlementId, cancellationToken) is { } known ? Reply(known) : NotFound;

    private PlatformRecord Record(PlatformRecordKind kind, string id, string? originalId, string orderId, long amountFen, string? declined) => new(
        kind,
        id,
        orderId,
        null,
        originalId,
        declined is null ? PlatformOutcome.Succeeded : PlatformOutcome.Declined,
        declined is null ? SandboxScript.Reference(kind == PlatformRecordKind.CashCharge ? "CC" : "CR", id) : null,
        0,
        0,
        declined is null ? amountFen : 0,
        0,
        0,
        amountFen,
        declined,
        time.GetUtcNow());

    private static readonly CashReply NotFound = new(CashOutcome.NotFound, null, 0, null);

    private static CashReply Reply(PlatformRecord r) =>
        new(r.Outcome == PlatformOutcome.Succeeded ? CashOutcome.Succeeded : CashOutcome.Declined, r.Reference, r.CashFen, r.Reason);
}
