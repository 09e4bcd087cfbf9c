using System.Globalization;
using System.Text;

namespace MedPay.Contracts;

/// <summary>
/// A statement as CSV (RFC 4180, <c>\n</c> line ends): a totals header and row, a blank line, then one row per mismatch.
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
        Row(csv, "orderId", "what", "order", "gateway");
        foreach (var m in r.Mismatches.IsDefault ? [] : r.Mismatches)
        {
            Row(csv, m.OrderId, m.What, m.Order, m.Gateway);
        }

        return csv.ToString();
    }

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
