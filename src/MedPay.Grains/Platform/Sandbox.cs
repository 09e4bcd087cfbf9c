using System.Collections.Concurrent;
using MedPay.Contracts;

namespace MedPay.Grains.Platform;

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
/// What the sandboxes should do for a given order id. Tests and demos script declines, delays, time-outs and lost replies here;
/// with nothing scripted the sandboxes accept every request.
/// </summary>
public sealed class SandboxScript
{
    private readonly ConcurrentDictionary<string, SandboxRule> _platform = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _cash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _platformRefunds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxRule> _cashRefunds = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, SandboxPerson> _people = new(StringComparer.OrdinalIgnoreCase);

    public void Platform(string orderId, SandboxRule rule) => _platform[orderId] = rule;

    /// <summary>Scripts who the platform says the person with this national ID is (by default: an employee of the ID's city).</summary>
    public void Person(string nationalId, SandboxPerson person) => _people[nationalId] = person;

    internal SandboxPerson? PersonFor(string nationalId) => _people.GetValueOrDefault(nationalId);

    public void Cash(string orderId, SandboxRule rule) => _cash[orderId] = rule;

    /// <summary>Scripts the platform's answer to the order's refunds.</summary>
    public void PlatformRefund(string orderId, SandboxRule rule) => _platformRefunds[orderId] = rule;

    /// <summary>Scripts the cash channel's answer to the order's refunds.</summary>
    public void CashRefund(string orderId, SandboxRule rule) => _cashRefunds[orderId] = rule;

    internal SandboxRule? TakePlatformRefund(string orderId) => Take(_platformRefunds, orderId);

    internal SandboxRule? TakeCashRefund(string orderId) => Take(_cashRefunds, orderId);

    internal SandboxRule? TakePlatform(string orderId) => Take(_platform, orderId);

    internal SandboxRule? TakeCash(string orderId) => Take(_cash, orderId);

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

    internal static async Task ApplyDelayAsync(SandboxRule? rule, CancellationToken cancellationToken)
    {
        if (rule is { Fault: SandboxFault.Delay or SandboxFault.Timeout or SandboxFault.LoseReply, Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }
    }
}

/// <summary>
/// A scripted person: <paramref name="InsuranceType"/> and <paramref name="InsuredRegion"/> replace the defaults when given;
/// <paramref name="Insured"/> false makes the platform know no such person; <paramref name="Delay"/> holds the answer.
/// </summary>
public sealed record SandboxPerson(InsuranceType? InsuranceType = null, string? InsuredRegion = null, bool Insured = true, TimeSpan Delay = default);

/// <summary>
/// A deterministic, in-process insurance platform. A person is insured in the city of the national ID's region code
/// (<c>330106</c> → <c>330100</c>) as an employee, unless scripted (<see cref="SandboxScript.Person"/>). The personal-account balance of an employee is the national ID's
/// 3-digit sequence number (characters 15 to 17) × 1,000 fen; residents have no personal account (0).
/// </summary>
public sealed class SandboxInsurancePlatform(SandboxScript script) : IInsurancePlatform
{
    private readonly ConcurrentDictionary<string, PlatformSettlement> _settlements = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _settleCalls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PlatformReply> _declined = new(StringComparer.Ordinal);

    /// <summary>One settlement as the platform recorded it.</summary>
    public sealed record PlatformSettlement(PlatformSettleRequest Request, string Reference, bool Reversed, long ReportedFundFen, long ReportedPersonalFen);

    public IReadOnlyDictionary<string, PlatformSettlement> Settlements => _settlements;

    /// <summary>How many settle requests arrived per settlement id, repeats included.</summary>
    public IReadOnlyDictionary<string, int> SettleCalls => _settleCalls;

    public static long BalanceFor(string nationalId, InsuranceType insuranceType) =>
        insuranceType == InsuranceType.Employee ? int.Parse(nationalId.AsSpan(14, 3)) * 1_000L : 0;

    public async Task<PlatformPerson?> FindPersonAsync(string nationalId, CancellationToken cancellationToken)
    {
        var id = nationalId.ToUpperInvariant();
        var scripted = script.PersonFor(id);
        if (scripted is { Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }

        if (scripted is { Insured: false })
        {
            return null;
        }

        var type = scripted?.InsuranceType ?? InsuranceType.Employee;
        return new PlatformPerson(scripted?.InsuredRegion ?? Domain.NationalId.CityCode(id), type, BalanceFor(id, type));
    }

    public async Task<PlatformReply> SettleAsync(PlatformSettleRequest request, CancellationToken cancellationToken)
    {
        _settleCalls.AddOrUpdate(request.SettlementId, 1, (_, n) => n + 1);
        var rule = script.TakePlatform(request.OrderId);
        await SandboxScript.ApplyDelayAsync(rule, cancellationToken);
        if (_settlements.TryGetValue(request.SettlementId, out var known))
        {
            return Reply(known);
        }

        if (_declined.TryGetValue(request.SettlementId, out var declined))
        {
            return declined;
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                // A decline is the platform's final answer for this settlement id.
                return _declined.GetOrAdd(request.SettlementId, _ => new(PlatformOutcome.Declined, null, 0, 0, rule.Reason ?? "declined by the insurance platform sandbox"));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The insurance platform did not answer in time.");
            case SandboxFault.SucceedLate:
                _ = Task.Delay(rule.Delay).ContinueWith(_ => Record(request, misreport: false), TaskScheduler.Default);
                throw new OutcomeUnknownException("The insurance platform did not answer in time (it will settle late).");
        }

        var settlement = Record(request, misreport: rule?.Fault == SandboxFault.MisreportAmounts);
        if (rule?.Fault == SandboxFault.LoseReply)
        {
            throw new OutcomeUnknownException("The insurance platform's reply was lost.");
        }

        return Reply(settlement);
    }

    private readonly ConcurrentDictionary<string, PlatformReply> _refunds = new(StringComparer.Ordinal);

    /// <summary>Refunds as the platform recorded them, by refund settlement id.</summary>
    public IReadOnlyDictionary<string, PlatformReply> Refunds => _refunds;

    public async Task<PlatformReply> RefundAsync(PlatformRefundRequest request, CancellationToken cancellationToken)
    {
        var rule = script.TakePlatformRefund(request.OrderId);
        await SandboxScript.ApplyDelayAsync(rule, cancellationToken);
        if (_refunds.TryGetValue(request.RefundSettlementId, out var known))
        {
            return known;
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                return _refunds.GetOrAdd(request.RefundSettlementId, _ => new(PlatformOutcome.Declined, null, 0, 0, rule.Reason ?? "refund declined by the insurance platform sandbox"));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The insurance platform did not answer the refund in time.");
        }

        if (!_settlements.TryGetValue(request.OriginalSettlementId, out var original) || original.Reversed)
        {
            return new(PlatformOutcome.Declined, null, 0, 0, "no such settlement to refund");
        }

        var refund = _refunds.GetOrAdd(request.RefundSettlementId, _ => new(
            PlatformOutcome.Succeeded, SandboxScript.Reference("PR", request.RefundSettlementId), request.FundFen, request.PersonalAccountFen, null));
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The insurance platform's refund reply was lost.") : refund;
    }

    public Task<PlatformReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        Task.FromResult(_refunds.TryGetValue(refundSettlementId, out var known) ? known : new PlatformReply(PlatformOutcome.NotFound, null, 0, 0, null));

    private PlatformSettlement Record(PlatformSettleRequest request, bool misreport) =>
        _settlements.GetOrAdd(request.SettlementId, _ => new(
            request,
            SandboxScript.Reference("PS", request.SettlementId),
            false,
            misreport ? request.FundFen + 1 : request.FundFen,
            misreport ? Math.Max(0, request.PersonalAccountFen - 1) : request.PersonalAccountFen));

    public Task<PlatformReply> QueryAsync(string settlementId, CancellationToken cancellationToken) =>
        Task.FromResult(_settlements.TryGetValue(settlementId, out var known) ? Reply(known)
            : _declined.TryGetValue(settlementId, out var declined) ? declined
            : new PlatformReply(PlatformOutcome.NotFound, null, 0, 0, null));

    public Task<PlatformReply> ReverseAsync(string settlementId, CancellationToken cancellationToken)
    {
        while (_settlements.TryGetValue(settlementId, out var known))
        {
            if (_settlements.TryUpdate(settlementId, known with { Reversed = true }, known))
            {
                return Task.FromResult(Reply(known with { Reversed = true }));
            }
        }

        return Task.FromResult(new PlatformReply(PlatformOutcome.NotFound, null, 0, 0, null));
    }

    private static PlatformReply Reply(PlatformSettlement s) =>
        new(s.Reversed ? PlatformOutcome.Reversed : PlatformOutcome.Succeeded, s.Reference, s.ReportedFundFen, s.ReportedPersonalFen, null);
}

/// <summary>A deterministic, in-process cash channel that accepts every charge unless scripted otherwise.</summary>
public sealed class SandboxCashChannel(SandboxScript script) : ICashChannel
{
    private readonly ConcurrentDictionary<string, CashReply> _charges = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, CashReply> Charges => _charges;

    public async Task<CashReply> ChargeAsync(string settlementId, string orderId, long amountFen, CancellationToken cancellationToken)
    {
        var rule = script.TakeCash(orderId);
        await SandboxScript.ApplyDelayAsync(rule, cancellationToken);
        if (_charges.TryGetValue(settlementId, out var known))
        {
            return known;
        }

        switch (rule?.Fault)
        {
            case SandboxFault.Decline:
                return _charges.GetOrAdd(settlementId, _ => new(CashOutcome.Declined, null, 0, rule.Reason ?? "declined by the cash channel sandbox"));
            case SandboxFault.Timeout:
                throw new OutcomeUnknownException("The cash channel did not answer in time.");
        }

        var charge = _charges.GetOrAdd(settlementId, _ => new(CashOutcome.Succeeded, SandboxScript.Reference("CC", settlementId), amountFen, null));
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The cash channel's reply was lost.") : charge;
    }

    public Task<CashReply> QueryAsync(string settlementId, CancellationToken cancellationToken) =>
        Task.FromResult(_charges.TryGetValue(settlementId, out var known) ? known : new CashReply(CashOutcome.NotFound, null, 0, null));

    private readonly ConcurrentDictionary<string, CashReply> _refunds = new(StringComparer.Ordinal);

    /// <summary>Cash paid back, by refund settlement id.</summary>
    public IReadOnlyDictionary<string, CashReply> Refunds => _refunds;

    public async Task<CashReply> RefundAsync(string refundSettlementId, string originalSettlementId, string orderId, long amountFen, CancellationToken cancellationToken)
    {
        var rule = script.TakeCashRefund(orderId);
        await SandboxScript.ApplyDelayAsync(rule, cancellationToken);
        if (_refunds.TryGetValue(refundSettlementId, out var known))
        {
            return known;
        }

        if (rule?.Fault == SandboxFault.Timeout)
        {
            throw new OutcomeUnknownException("The cash channel did not answer the refund in time.");
        }

        var refund = _charges.TryGetValue(originalSettlementId, out var charge) && charge.Outcome == CashOutcome.Succeeded
            ? _refunds.GetOrAdd(refundSettlementId, _ => new(CashOutcome.Succeeded, SandboxScript.Reference("CR", refundSettlementId), amountFen, null))
            : new CashReply(CashOutcome.Declined, null, 0, "no such charge to refund");
        return rule?.Fault == SandboxFault.LoseReply ? throw new OutcomeUnknownException("The cash channel's refund reply was lost.") : refund;
    }

    public Task<CashReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        Task.FromResult(_refunds.TryGetValue(refundSettlementId, out var known) ? known : new CashReply(CashOutcome.NotFound, null, 0, null));
}
