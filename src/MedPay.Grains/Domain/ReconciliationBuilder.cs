using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>One order of a statement with the gateway's records of its settlement and of each of its refunds (null: no record).</summary>
public sealed record ReconciliationInput(
    OrderView Order,
    SettlementRecord? Settlement,
    IReadOnlyList<(RefundView Refund, RefundRecord? Record)> Refunds);

/// <summary>
/// Builds a merchant's daily statement and checks every order against the gateway's records: pure, so every rule is
/// tested without a cluster. Amounts are taken from the orders; the gateway's records only confirm or contradict them.
/// </summary>
public static class ReconciliationBuilder
{
    public static class Kinds
    {
        public const string SettlementMissing = "settlement missing";
        public const string SettlementNotSucceeded = "settlement not succeeded";
        public const string SplitDiffers = "split differs";
        public const string PaidButNotSettled = "paid at gateway, order not settled";
        public const string Open = "open";
        public const string OrderUnreadable = "order unreadable";
        public const string RefundMissing = "refund record missing";
        public const string RefundNotSucceeded = "refund not succeeded";
        public const string RefundSplitDiffers = "refund split differs";
        public const string RefundedButNotRecorded = "refunded at gateway, refund not succeeded";
        public const string RefundOpen = "refund open";
        public const string RefundInReview = "refund in review";
    }

    private static readonly Split Zero = new(0, 0, 0);

    private const string NoRecord = "no record";

    /// <summary>
    /// The statement over <paramref name="inputs"/>. <paramref name="unreadableOrderIds"/> are listed orders whose full
    /// view could not be read: each is reported rather than silently left out of the totals. With <paramref name="platform"/>
    /// the statement is also checked against the platform's own statement (<see cref="PlatformReconciliation"/>).
    /// </summary>
    public static Reconciliation Build(
        string merchantId, DateOnly day, IEnumerable<ReconciliationInput> inputs, IEnumerable<string>? unreadableOrderIds = null, PlatformComparison? platform = null)
    {
        var listed = inputs as IReadOnlyList<ReconciliationInput> ?? [.. inputs];
        var settledCount = 0;
        var settled = Zero;
        var refundCount = 0;
        var refunded = Zero;
        var mismatches = new List<ReconciliationMismatch>();

        foreach (var (order, record, refunds) in listed)
        {
            void Mismatch(string what, string orderSide, string gatewaySide) => mismatches.Add(new(order.OrderId, what, orderSide, gatewaySide));

            switch (order.Status)
            {
                case OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded:
                    settledCount++;
                    settled = RefundSplit.Add(settled, order.Split ?? Zero);
                    if (record is null)
                    {
                        Mismatch(Kinds.SettlementMissing, Describe(order), NoRecord);
                    }
                    else
                    {
                        if (record.Status != SettlementStatus.Succeeded)
                        {
                            Mismatch(Kinds.SettlementNotSucceeded, Describe(order), Describe(record));
                        }

                        if (record.Request.Split != order.Split)
                        {
                            Mismatch(Kinds.SplitDiffers, Describe(order.Split), Describe(record.Request.Split));
                        }
                    }

                    break;
                case OrderStatus.Paying or OrderStatus.ManualReview:
                    Mismatch(Kinds.Open, Describe(order), record is null ? NoRecord : Describe(record));
                    break;
                default:
                    if (record is { Status: SettlementStatus.Succeeded })
                    {
                        Mismatch(Kinds.PaidButNotSettled, Describe(order), Describe(record));
                    }

                    break;
            }

            foreach (var (refund, refundRecord) in refunds)
            {
                var what = (string kind) => $"{kind}: {refund.RefundId}";
                switch (refund.Status)
                {
                    case RefundStatus.Succeeded:
                        refundCount++;
                        refunded = RefundSplit.Add(refunded, refund.Split);
                        if (refundRecord is null)
                        {
                            Mismatch(what(Kinds.RefundMissing), Describe(refund), NoRecord);
                        }
                        else
                        {
                            if (refundRecord.Status != SettlementStatus.Succeeded)
                            {
                                Mismatch(what(Kinds.RefundNotSucceeded), Describe(refund), Describe(refundRecord));
                            }

                            if (refundRecord.Request.Split != refund.Split)
                            {
                                Mismatch(what(Kinds.RefundSplitDiffers), Describe(refund.Split), Describe(refundRecord.Request.Split));
                            }
                        }

                        break;
                    case RefundStatus.Pending:
                        Mismatch(what(Kinds.RefundOpen), Describe(refund), refundRecord is null ? NoRecord : Describe(refundRecord));
                        break;
                    case RefundStatus.ManualReview:
                        // Owed to the customer but not refunded: a person settles it. Not in the totals, and listed with its reason.
                        Mismatch(what(Kinds.RefundInReview), $"{Describe(refund)}; {Describe(refund.Failure)}", refundRecord is null ? NoRecord : Describe(refundRecord));
                        break;
                    default:
                        if (refundRecord is { Status: SettlementStatus.Succeeded })
                        {
                            Mismatch(what(Kinds.RefundedButNotRecorded), Describe(refund), Describe(refundRecord));
                        }

                        break;
                }
            }
        }

        foreach (var orderId in unreadableOrderIds ?? [])
        {
            mismatches.Add(new(orderId, Kinds.OrderUnreadable, "listed but not found", "not read"));
        }

        PlatformCheck? check = null;
        if (platform is not null)
        {
            (check, var differences) = PlatformReconciliation.Check(merchantId, day, listed, platform);
            mismatches.AddRange(differences);
        }

        // OrderBy is stable: an order's mismatches keep the order they were found in (MedPay's own before the platform's).
        return new Reconciliation(
            merchantId, day, settledCount, settled, refundCount, refunded,
            [.. mismatches.OrderBy(m => m.OrderId, StringComparer.Ordinal)], check);
    }

    /// <summary>The statement as CSV (RFC 4180, <c>\n</c> line ends): a totals header and row, a blank line, then one row per mismatch.</summary>
    public static string ToCsv(Reconciliation r) => ReconciliationCsv.Write(r);


    internal static string Describe(OrderView order) => order.Split is null ? WireNames.Of(order.Status) : $"{WireNames.Of(order.Status)}, {Describe(order.Split)}";

    internal static string Describe(RefundView refund) => $"{WireNames.Of(refund.Status)}, {Describe(refund.Split)}";

    internal static string Describe(SettlementRecord record) => $"{WireNames.Of(record.Status)}, {Describe(record.Request.Split)}";

    internal static string Describe(RefundRecord record) => $"{WireNames.Of(record.Status)}, {Describe(record.Request.Split)}";

    private static string Describe(Failure? failure) => failure is null ? "no reason recorded" : $"{failure.Code}: {failure.Message}";

    internal static string Describe(Split? split) =>
        split is null ? "no split" : string.Create(CultureInfo.InvariantCulture, $"fund {split.FundFen} / personal {split.PersonalAccountFen} / cash {split.CashFen} fen");
}
