using System.Globalization;
using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.Grains.Domain;

/// <summary>The platform's statements of a day and of the days either side (its lines are matched across midnight).</summary>
public sealed record PlatformStatements(PlatformStatement Previous, PlatformStatement Day, PlatformStatement Next)
{
    public IEnumerable<PlatformStatementLine> Lines => Previous.Lines.Concat(Day.Lines).Concat(Next.Lines);
}

/// <summary>
/// What a statement is compared with on the platform's side: its statements (<see cref="Statements"/>), or why they could
/// not be read (<see cref="Unavailable"/>); and what MedPay holds for the platform's lines that no order of the day's listing
/// claims: those orders (by order id; an id missing: no such order) and, for a line whose order does not exist, the
/// gateway's record of the line's id.
/// </summary>
public sealed record PlatformComparison(
    PlatformStatements? Statements,
    string? Unavailable,
    IReadOnlyDictionary<string, ReconciliationInput> Orders,
    IReadOnlyDictionary<string, SettlementRecord> Settlements,
    IReadOnlyDictionary<string, RefundRecord> Refunds)
{
    public static PlatformComparison Of(PlatformStatements statements, IReadOnlyDictionary<string, ReconciliationInput>? orders = null,
        IReadOnlyDictionary<string, SettlementRecord>? settlements = null, IReadOnlyDictionary<string, RefundRecord>? refunds = null) =>
        new(statements, null, orders ?? new Dictionary<string, ReconciliationInput>(), settlements ?? new Dictionary<string, SettlementRecord>(),
            refunds ?? new Dictionary<string, RefundRecord>());

    public static PlatformComparison NotAvailable(string reason) =>
        new(null, reason, new Dictionary<string, ReconciliationInput>(), new Dictionary<string, SettlementRecord>(), new Dictionary<string, RefundRecord>());
}

/// <summary>
/// Checks a merchant's statement of a day against the insurance platform's own statement (3201 totals, 3202 detail): pure,
/// so every rule is tested without a cluster or a platform.
/// <para>
/// The day rule: MedPay's settlements of day D are those of the merchant's orders created on D, its refunds those requested
/// on D (UTC), whatever day their order was created. Each is matched by settlement id (refund settlement id) with the
/// platform's lines of D and of the days either side, since the platform records a settlement after the order was created
/// (an order created at 23:59:59 settles at 00:00:01) and its clock is not MedPay's. A platform line of D that no settlement
/// or refund of D claims is checked here unless MedPay's item is of D-1 or D+1 (that day's statement claims it).
/// </para>
/// </summary>
public static class PlatformReconciliation
{
    public static class Kinds
    {
        public const string NotOnPlatform = "not on platform statement";
        public const string OnPlatformOnly = "on platform statement only";
        public const string OnPlatformOrderFailed = "on platform statement, order failed";
        public const string ReversedOnPlatform = "reversed on platform statement";
        public const string AmountsDiffer = "platform amounts differ";
        public const string OtherDay = "on platform statement, order of another day";
        public const string RefundNotOnPlatform = "refund not on platform statement";
        public const string RefundOnPlatformOnly = "refund on platform statement only";
        public const string RefundOnPlatformNotSucceeded = "refund on platform statement, not succeeded";
        public const string RefundAmountsDiffer = "refund platform amounts differ";
        public const string RefundOtherDay = "refund on platform statement, requested another day";
    }

    /// <summary>
    /// The platform's lines of the merchant that no order of the listing claims, whose order the statement must read:
    /// settlements recorded on the day, and refunds recorded on the day or either side (their order may be of any day).
    /// </summary>
    public static IReadOnlyList<PlatformStatementLine> ToLookUp(string merchantId, IEnumerable<OrderView> listed, PlatformStatements statements)
    {
        var orders = listed.Select(o => o.OrderId).ToHashSet(StringComparer.Ordinal);
        var settlementIds = listed.Select(SettlementIdOf).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. statements.Day.Lines.Where(l => !l.IsRefund && MerchantOf(l) == merchantId && !settlementIds.Contains(l.Id)),
            .. statements.Lines.Where(l => l.IsRefund && MerchantOf(l) == merchantId && !orders.Contains(l.OrderId)),
        ];
    }

    /// <summary>The merchant a platform line belongs to: the one it names, else the one its order id begins with.</summary>
    public static string? MerchantOf(PlatformStatementLine line) =>
        line.MerchantId ?? (OrderIds.TryParse(line.OrderId, out var merchantId, out _) ? merchantId : null);

    /// <summary>Every merchant that a line of the statement belongs to.</summary>
    public static IEnumerable<string> MerchantsOf(PlatformStatement statement) =>
        statement.Lines.Select(MerchantOf).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>The platform check of the merchant's statement of <paramref name="day"/>, and every difference it finds.</summary>
    public static (PlatformCheck Check, IReadOnlyList<ReconciliationMismatch> Mismatches) Check(
        string merchantId, DateOnly day, IReadOnlyList<ReconciliationInput> listed, PlatformComparison platform)
    {
        var medpaySettled = listed.Where(i => IsSettled(i.Order.Status))
            .Aggregate(StatementTotals.Zero, (t, i) => t.Add(i.Order.Split?.FundFen ?? 0, i.Order.Split?.PersonalAccountFen ?? 0));
        if (platform.Statements is not { } statements)
        {
            var refunds = RefundsOf(listed, day).Where(r => r.Refund.Status == RefundStatus.Succeeded && AtPlatform(r.Refund))
                .Aggregate(StatementTotals.Zero, (t, r) => t.Add(r.Refund.Split.FundFen, r.Refund.Split.PersonalAccountFen));
            return (new PlatformCheck(platform.Unavailable ?? "the platform's statement was not read", medpaySettled, null, refunds, null), []);
        }

        var mine = statements.Lines.Where(l => MerchantOf(l) == merchantId).ToList();
        var settlementLines = ById(mine.Where(l => !l.IsRefund));
        var refundLines = ById(mine.Where(l => l.IsRefund));
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var platformSettled = StatementTotals.Zero;
        var platformRefunded = StatementTotals.Zero;
        var medpayRefunded = StatementTotals.Zero;
        var mismatches = new List<ReconciliationMismatch>();
        var window = $"not on the platform's statements of {Day(day.AddDays(-1))} to {Day(day.AddDays(1))}";

        // MedPay → platform: the settlements of the day's orders.
        foreach (var input in listed)
        {
            var line = settlementLines.GetValueOrDefault(SettlementIdOf(input.Order));
            if (line is not null)
            {
                claimed.Add(line.Id);
                platformSettled = Count(platformSettled, line);
            }

            if (SettlementDifference(input.Order, line) is { } kind)
            {
                mismatches.Add(new(input.Order.OrderId, kind, Describe(input.Order), Describe(input.Settlement), line is null ? window : Describe(line)));
            }
        }

        // MedPay → platform: the refunds requested on the day, of the day's orders and of the orders the platform's refund lines name.
        foreach (var (order, refund, record) in RefundsOf([.. listed, .. platform.Orders.Values], day))
        {
            if (refund.Status == RefundStatus.Succeeded && AtPlatform(refund))
            {
                medpayRefunded = medpayRefunded.Add(refund.Split.FundFen, refund.Split.PersonalAccountFen);
            }

            var line = refundLines.GetValueOrDefault(refund.RefundSettlementId);
            if (line is not null)
            {
                claimed.Add(line.Id);
                platformRefunded = Count(platformRefunded, line);
            }

            if (RefundDifference(refund, line) is { } kind)
            {
                mismatches.Add(new(order.OrderId, $"{kind}: {refund.RefundId}", ReconciliationBuilder.Describe(refund), Describe(record), line is null ? window : Describe(line)));
            }
        }

        // Platform → MedPay: the lines recorded on the day that nothing of the day claimed.
        var byOrder = listed.Concat(platform.Orders.Values).GroupBy(i => i.Order.OrderId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var line in statements.Day.Lines.Where(l => MerchantOf(l) == merchantId && !claimed.Contains(l.Id)))
        {
            var input = byOrder.GetValueOrDefault(line.OrderId);
            if (!line.IsRefund)
            {
                var order = input?.Order;
                if (order is not null && Near(order.CreatedAt, day))
                {
                    continue;
                }

                platformSettled = Count(platformSettled, line);
                var kind = SettlementDifference(order, line) ?? (line.Reversed ? null : Kinds.OtherDay);
                if (kind is not null)
                {
                    var record = input?.Settlement is { } s && s.SettlementId == line.Id ? s : platform.Settlements.GetValueOrDefault(line.Id);
                    var orderSide = order is null ? "no such order" : $"{Describe(order)}, created {Day(DateOnly.FromDateTime(order.CreatedAt.UtcDateTime))}";
                    mismatches.Add(new(line.OrderId, kind, orderSide, Describe(record), Describe(line)));
                }
            }
            else
            {
                var (refund, record) = input?.Refunds.FirstOrDefault(r => r.Refund.RefundSettlementId == line.Id) is { Refund: not null } found
                    ? (found.Refund, found.Record)
                    : ((RefundView?)null, platform.Refunds.GetValueOrDefault(line.Id));
                if (refund is not null && Near(refund.RequestedAt, day))
                {
                    continue;
                }

                platformRefunded = Count(platformRefunded, line);
                var kind = refund is null ? Kinds.RefundOnPlatformOnly : RefundDifference(refund, line) ?? Kinds.RefundOtherDay;
                var refundSide = refund is null
                    ? input is null ? "no such order" : "no such refund"
                    : $"{ReconciliationBuilder.Describe(refund)}, requested {Day(DateOnly.FromDateTime(refund.RequestedAt.UtcDateTime))}";
                mismatches.Add(new(line.OrderId, $"{kind}: {refund?.RefundId ?? line.Id}", refundSide, Describe(record), Describe(line)));
            }
        }

        return (new PlatformCheck(null, medpaySettled, platformSettled, medpayRefunded, platformRefunded), mismatches);
    }

    /// <summary>
    /// What disagrees between an order's settlement and the platform's line of it (null: none, or no line), or null when they agree.
    /// A standing line for an order MedPay recorded as failed is the worst case: the money was taken and the order says failed.
    /// </summary>
    public static string? SettlementDifference(OrderView? order, PlatformStatementLine? line)
    {
        var settled = order is not null && IsSettled(order.Status);
        if (line is null)
        {
            return settled ? Kinds.NotOnPlatform : null;
        }

        if (line.Reversed)
        {
            return settled ? Kinds.ReversedOnPlatform : null;
        }

        if (settled)
        {
            return Differs(order!.Split, line) ? Kinds.AmountsDiffer : null;
        }

        return order?.Status switch
        {
            OrderStatus.Failed => Kinds.OnPlatformOrderFailed,
            // An open payment (paying, held for review) was sent with its split: figures that differ are what holds it.
            OrderStatus.Paying or OrderStatus.ManualReview when order.Split is not null && Differs(order.Split, line) => Kinds.AmountsDiffer,
            _ => Kinds.OnPlatformOnly,
        };
    }

    /// <summary>
    /// Whether a refund goes to the platform at all: one that gives back only cash is the cash channel's alone, and is
    /// on no platform statement.
    /// </summary>
    public static bool AtPlatform(RefundView refund) => refund.Split.FundFen > 0 || refund.Split.PersonalAccountFen > 0;

    /// <summary>What disagrees between a MedPay refund and the platform's line of it (null: none), or null when they agree.</summary>
    public static string? RefundDifference(RefundView refund, PlatformStatementLine? line) => (refund.Status, line) switch
    {
        (RefundStatus.Succeeded, null) when AtPlatform(refund) => Kinds.RefundNotOnPlatform,
        (_, null) => null,
        (RefundStatus.Succeeded, _) => Differs(refund.Split, line) ? Kinds.RefundAmountsDiffer : null,
        (RefundStatus.Failed, _) => Kinds.RefundOnPlatformNotSucceeded,
        // Still open (or held): the figures are compared first, as for an open payment.
        _ => Differs(refund.Split, line) ? Kinds.RefundAmountsDiffer : Kinds.RefundOnPlatformNotSucceeded,
    };

    /// <summary>The settlement id an order is settled under (the one it would use when it has none yet).</summary>
    public static string SettlementIdOf(OrderView order) => order.SettlementId ?? MedicalOrderGrain.SettlementIdFor(order.OrderId);

    private static IEnumerable<(OrderView Order, RefundView Refund, RefundRecord? Record)> RefundsOf(IEnumerable<ReconciliationInput> inputs, DateOnly day) =>
        inputs.SelectMany(i => i.Refunds.Select(r => (i.Order, r.Refund, r.Record)))
            .Where(r => DateOnly.FromDateTime(r.Refund.RequestedAt.UtcDateTime) == day)
            .DistinctBy(r => r.Refund.RefundSettlementId, StringComparer.Ordinal);

    private static Dictionary<string, PlatformStatementLine> ById(IEnumerable<PlatformStatementLine> lines)
    {
        var byId = new Dictionary<string, PlatformStatementLine>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            byId.TryAdd(line.Id, line);
        }

        return byId;
    }

    /// <summary>Whether <paramref name="at"/> is on the day before or after: that day's statement claims its platform line.</summary>
    private static bool Near(DateTimeOffset at, DateOnly day) =>
        DateOnly.FromDateTime(at.UtcDateTime) is var other && (other == day.AddDays(-1) || other == day.AddDays(1));

    private static bool IsSettled(OrderStatus status) => status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded;

    private static bool Differs(Split? split, PlatformStatementLine line) =>
        split is null || split.FundFen != line.FundFen || split.PersonalAccountFen != line.PersonalAccountFen;

    /// <summary>The platform's totals count standing settlements and every refund, as its own statement does.</summary>
    private static StatementTotals Count(StatementTotals totals, PlatformStatementLine line) =>
        line.Reversed ? totals : totals.Add(line.FundFen, line.PersonalAccountFen);

    private static string Describe(OrderView order) => ReconciliationBuilder.Describe(order);

    private static string Describe(SettlementRecord? record) => record is null ? "no record" : ReconciliationBuilder.Describe(record);

    private static string Describe(RefundRecord? record) => record is null ? "no record" : ReconciliationBuilder.Describe(record);

    private static string Describe(PlatformStatementLine line) => string.Create(CultureInfo.InvariantCulture,
        $"{(line.IsRefund ? "refunded" : line.Reversed ? "reversed" : "settled")}, fund {line.FundFen} / personal {line.PersonalAccountFen} fen, recorded {line.At.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
