using MedPay.Contracts;

namespace MedPay.Platform;

public enum PlatformOutcome
{
    Succeeded,
    Declined,
    NotFound,
    Reversed,
}

/// <summary>Pre-settlement and settlement of the insured part (fund + personal account), by MedPay's settlement id.</summary>
public sealed record PlatformSettleRequest(string SettlementId, string OrderId, string MerchantId, string VoucherNo, string InsuredRegion, long FundFen, long PersonalAccountFen);

/// <summary>What the platform says of a settlement; amounts are the platform's own figures.</summary>
public sealed record PlatformReply(PlatformOutcome Outcome, string? Reference, long FundFen, long PersonalAccountFen, string? Reason);

/// <summary>Who the platform says a person is: where and how they are insured, and their personal account's balance.</summary>
public sealed record PlatformPerson(string InsuredRegion, InsuranceType InsuranceType, long PersonalAccountBalanceFen);

/// <summary>The national insurance platform: person query, settlement (6202), query (6301), reversal (6401).</summary>
public interface IInsurancePlatform
{
    /// <summary>The insured person with this national ID, or null if the platform insures no such person.</summary>
    Task<PlatformPerson?> FindPersonAsync(string nationalId, CancellationToken cancellationToken);

    /// <summary>Settles once per settlement id: a repeat returns the first outcome.</summary>
    Task<PlatformReply> SettleAsync(PlatformSettleRequest request, CancellationToken cancellationToken);

    Task<PlatformReply> QueryAsync(string settlementId, CancellationToken cancellationToken);

    Task<PlatformReply> ReverseAsync(string settlementId, CancellationToken cancellationToken);

    /// <summary>Refunds the insured part of a settlement (6203), once per refund settlement id.</summary>
    Task<PlatformReply> RefundAsync(PlatformRefundRequest request, CancellationToken cancellationToken);

    Task<PlatformReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken);

    /// <summary>The platform's own statement of a day (3201): every settlement and refund it recorded that day, UTC.</summary>
    Task<PlatformStatement> GetStatementAsync(DateOnly day, CancellationToken cancellationToken);
}

/// <summary>One settlement or refund on the platform's daily statement, with the platform's own amounts.</summary>
public sealed record PlatformStatementLine(
    string Id,
    bool IsRefund,
    string OrderId,
    string? MerchantId,
    string? OriginalSettlementId,
    bool Reversed,
    long FundFen,
    long PersonalAccountFen,
    DateTimeOffset At);

/// <summary>The platform's daily statement: its lines, and the totals it states for them.</summary>
public sealed record PlatformStatement(DateOnly Day, IReadOnlyList<PlatformStatementLine> Lines)
{
    /// <summary>Settlements that stand (not reversed): count, fund and personal-account totals.</summary>
    public (int Count, long FundFen, long PersonalAccountFen) Settled => Totals(Lines.Where(l => !l.IsRefund && !l.Reversed));

    public (int Count, long FundFen, long PersonalAccountFen) Refunded => Totals(Lines.Where(l => l.IsRefund));

    private static (int, long, long) Totals(IEnumerable<PlatformStatementLine> lines) =>
        lines.Aggregate((0, 0L, 0L), (t, l) => (t.Item1 + 1, t.Item2 + l.FundFen, t.Item3 + l.PersonalAccountFen));
}

public sealed record PlatformRefundRequest(string RefundSettlementId, string OriginalSettlementId, string OrderId, long FundFen, long PersonalAccountFen);

public enum CashOutcome
{
    Succeeded,
    Declined,
    NotFound,
}

public sealed record CashReply(CashOutcome Outcome, string? Reference, long AmountFen, string? Reason);

/// <summary>The card or wallet that takes the self-pay cash part, by settlement id.</summary>
public interface ICashChannel
{
    /// <summary>Charges once per settlement id: a repeat returns the first outcome.</summary>
    Task<CashReply> ChargeAsync(string settlementId, string orderId, long amountFen, CancellationToken cancellationToken);

    Task<CashReply> QueryAsync(string settlementId, CancellationToken cancellationToken);

    /// <summary>Pays cash back, once per refund settlement id.</summary>
    Task<CashReply> RefundAsync(string refundSettlementId, string originalSettlementId, string orderId, long amountFen, CancellationToken cancellationToken);

    Task<CashReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken);
}

/// <summary>A call whose outcome is unknown: it may or may not have taken effect at the other side.</summary>
public sealed class OutcomeUnknownException(string message, Exception? inner = null) : TimeoutException(message, inner);
