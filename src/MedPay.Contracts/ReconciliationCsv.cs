using System.Globalization;
using System.Text;

namespace MedPay.Contracts;

/// <summary>
/// A statement as CSV (RFC 4180, <c>\n</c> line ends): a totals header and row, a blank line, one row per mismatch
/// (its <c>platform</c> column is the platform's side of a difference with the platform's statement) and, when the
/// statement was checked against the platform, a blank line and the platform check: MedPay's totals and the platform's.
/// In the contracts because the API, which references only this project, writes it.
/// </summary>
public static class ReconciliationCsv
{
    public static string Write(Reconciliation r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var csv = new StringBuilder();
        Row(csv, "merchantId", "day", "settledCount", "totalFen", "fundFen", "personalAccountFen", "cashFen",
            "refundCount", "refundedFen", "refundedFundFen", "refundedPersonalAccountFen", "refundedCashFen", "mismatches");
        Row(csv, r.MerchantId, r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Number(r.SettledCount),
            Number(r.SettledTotalFen), Number(r.Settled.FundFen), Number(r.Settled.PersonalAccountFen), Number(r.Settled.CashFen),
            Number(r.RefundCount), Number(r.RefundedTotalFen), Number(r.Refunded.FundFen), Number(r.Refunded.PersonalAccountFen), Number(r.Refunded.CashFen),
            Number(r.Mismatches.IsDefault ? 0 : r.Mismatches.Length));
        csv.Append('\n');
        Row(csv, "orderId", "what", "order", "gateway", "platform");
        foreach (var m in r.Mismatches.IsDefault ? [] : r.Mismatches)
        {
            Row(csv, m.OrderId, m.What, m.Order, m.Gateway, m.Platform ?? "");
        }

        if (r.Platform is { } check)
        {
            csv.Append('\n');
            WriteCheck(csv, check);
        }

        return csv.ToString();
    }

    /// <summary>
    /// The operators' daily check as CSV: the platform check summed over the merchants (with the totals the platform states
    /// for the whole day), a blank line, then one row per difference with its merchant.
    /// </summary>
    public static string Write(PlatformDayReconciliation r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var csv = new StringBuilder();
        Row(csv, "day", "merchants", "mismatches");
        Row(csv, r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Number(r.MerchantCount), Number(r.Mismatches.IsDefault ? 0 : r.Mismatches.Length));
        csv.Append('\n');
        WriteCheck(csv, r.Check, r.StatedSettled is null && r.StatedRefunded is null ? null : (r.StatedSettled ?? StatementTotals.Zero, r.StatedRefunded ?? StatementTotals.Zero));
        csv.Append('\n');
        Row(csv, "merchantId", "orderId", "what", "order", "gateway", "platform");
        foreach (var m in r.Mismatches.IsDefault ? [] : r.Mismatches)
        {
            Row(csv, OrderIds.TryParse(m.OrderId, out var merchantId, out _) ? merchantId : "", m.OrderId, m.What, m.Order, m.Gateway, m.Platform ?? "");
        }

        return csv.ToString();
    }

    private static void WriteCheck(StringBuilder csv, PlatformCheck check, (StatementTotals Settled, StatementTotals Refunded)? stated = null)
    {
        var status = check.Checked ? "checked" : $"unavailable: {check.Unavailable}";
        Row(csv, "platformCheck", "side", "settledCount", "settledFundFen", "settledPersonalAccountFen", "refundCount", "refundedFundFen", "refundedPersonalAccountFen");
        Totals(csv, status, "medpay", check.MedPaySettled, check.MedPayRefunded);
        Totals(csv, status, "platform", check.PlatformSettled, check.PlatformRefunded);
        if (stated is { } day)
        {
            Totals(csv, status, "platform stated", day.Settled, day.Refunded);
        }
    }

    private static void Totals(StringBuilder csv, string status, string side, StatementTotals? settled, StatementTotals? refunded) =>
        Row(csv, status, side,
            settled is null ? "" : Number(settled.Count), settled is null ? "" : Number(settled.FundFen), settled is null ? "" : Number(settled.PersonalAccountFen),
            refunded is null ? "" : Number(refunded.Count), refunded is null ? "" : Number(refunded.FundFen), refunded is null ? "" : Number(refunded.PersonalAccountFen));

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.</summary>
    public static string Field(string? value)
    {
        value ??= "";
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static void Row(StringBuilder csv, params string[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            csv.Append(Field(fields[i]));
        }

        csv.Append('\n');
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
