using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MedPay.Platform.Protocol;

/// <summary>
/// The transaction codes of the national medical-insurance mobile-payment interface that MedPay uses, and the cash
/// channel's (which the sandbox serves in the same envelope).
/// </summary>
public static class Infno
{
    public const string PersonQuery = "1101";
    public const string FeeUpload = "6201";
    public const string Settle = "6202";
    public const string Refund = "6203";
    public const string QuerySettlement = "6301";
    public const string QueryRefund = "6302";
    public const string Reverse = "6401";
    public const string Statement = "3201";

    public const string CashCharge = "C101";
    public const string CashQuery = "C102";
    public const string CashRefund = "C201";
    public const string CashQueryRefund = "C202";
}

/// <summary>
/// The common envelope of a request: transaction code, message id, institution code, insured region, time, the
/// transaction's input, and an SM2 signature over all of them (<see cref="SignedText"/>).
/// </summary>
public sealed record MipRequest(
    [property: JsonPropertyName("infno")] string Infno,
    [property: JsonPropertyName("msgid")] string MsgId,
    [property: JsonPropertyName("fixmedins_code")] string InstitutionCode,
    [property: JsonPropertyName("insuplc_admdvs")] string InsuredRegion,
    [property: JsonPropertyName("inf_time")] string Time,
    [property: JsonPropertyName("signtype")] string SignType,
    [property: JsonPropertyName("input")] JsonElement Input,
    [property: JsonPropertyName("cainfo")] string? Signature)
{
    /// <summary>What is signed: the fields in this order as <c>name=value</c> joined by <c>&amp;</c>; the input as sent.</summary>
    public static string SignedText(string infno, string msgId, string institutionCode, string insuredRegion, string time, string input) =>
        $"infno={infno}&msgid={msgId}&fixmedins_code={institutionCode}&insuplc_admdvs={insuredRegion}&inf_time={time}&input={input}";

    public string SignedText() => SignedText(Infno, MsgId, InstitutionCode, InsuredRegion, Time, Input.GetRawText());
}

/// <summary>The envelope of an answer: <c>infcode</c> 0 when the request was taken, the request's message id, the output, a signature.</summary>
public sealed record MipResponse(
    [property: JsonPropertyName("infcode")] int InfCode,
    [property: JsonPropertyName("inf_refmsgid")] string RefMsgId,
    [property: JsonPropertyName("respond_time")] string Time,
    [property: JsonPropertyName("err_msg")] string? Error,
    [property: JsonPropertyName("signtype")] string SignType,
    [property: JsonPropertyName("output")] JsonElement Output,
    [property: JsonPropertyName("cainfo")] string? Signature)
{
    public static string SignedText(int infCode, string refMsgId, string time, string? error, string output) =>
        $"infcode={infCode.ToString(CultureInfo.InvariantCulture)}&inf_refmsgid={refMsgId}&respond_time={time}&err_msg={error}&output={output}";

    public string SignedText() => SignedText(InfCode, RefMsgId, Time, Error, Output.GetRawText());
}

/// <summary>Writes and reads signed envelopes. The input (output) is written once, signed as written, and read back raw.</summary>
public static class MipEnvelope
{
    public const string SignType = "SM2";

    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>China Standard Time, in which the platform writes times.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public static string FormatTime(DateTimeOffset at) => at.ToOffset(ChinaOffset).ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTime(string? text, out DateTimeOffset at)
    {
        if (DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            at = new DateTimeOffset(local, ChinaOffset);
            return true;
        }

        at = default;
        return false;
    }

    public static byte[] WriteRequest<T>(string infno, string msgId, string institutionCode, string insuredRegion, DateTimeOffset at, T input, Sm2Key key)
    {
        var inputJson = JsonSerializer.Serialize(input, Json);
        var time = FormatTime(at);
        var signature = key.Sign(MipRequest.SignedText(infno, msgId, institutionCode, insuredRegion, time, inputJson));
        return Write(writer =>
        {
            writer.WriteString("infno", infno);
            writer.WriteString("msgid", msgId);
            writer.WriteString("fixmedins_code", institutionCode);
            writer.WriteString("insuplc_admdvs", insuredRegion);
            writer.WriteString("inf_time", time);
            writer.WriteString("signtype", SignType);
            writer.WritePropertyName("input");
            writer.WriteRawValue(inputJson, skipInputValidation: true);
            writer.WriteString("cainfo", signature);
        });
    }

    public static byte[] WriteResponse<T>(int infCode, string refMsgId, DateTimeOffset at, string? error, T output, Sm2Key key)
    {
        var outputJson = JsonSerializer.Serialize(output, Json);
        var time = FormatTime(at);
        var signature = key.Sign(MipResponse.SignedText(infCode, refMsgId, time, error, outputJson));
        return Write(writer =>
        {
            writer.WriteNumber("infcode", infCode);
            writer.WriteString("inf_refmsgid", refMsgId);
            writer.WriteString("respond_time", time);
            if (error is null)
            {
                writer.WriteNull("err_msg");
            }
            else
            {
                writer.WriteString("err_msg", error);
            }

            writer.WriteString("signtype", SignType);
            writer.WritePropertyName("output");
            writer.WriteRawValue(outputJson, skipInputValidation: true);
            writer.WriteString("cainfo", signature);
        });
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A message id as the platform wants it: institution code, time to the second, and a sequence, unique per sender.</summary>
    public static string NewMsgId(string institutionCode, DateTimeOffset at)
    {
        Span<byte> random = stackalloc byte[4];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        var sequence = (BitConverter.ToUInt32(random) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        return string.Concat(institutionCode, at.ToOffset(ChinaOffset).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), sequence);
    }

    public static string Describe(byte[] body) => Encoding.UTF8.GetString(body);
}

// ---- transaction inputs and outputs (amounts in fen, as whole numbers: no floating-point money on the wire) ----

/// <summary>1101: who is the person with this certificate.</summary>
public sealed record PersonQueryInput([property: JsonPropertyName("psn_cert_type")] string CertificateType, [property: JsonPropertyName("certno")] string CertificateNo);

/// <summary>Insurance types as the platform codes them: 310 employees' basic medical insurance, 390 urban and rural residents'.</summary>
public static class InsuranceTypeCode
{
    public const string Employee = "310";
    public const string Resident = "390";
}

public sealed record PersonQueryOutput(
    [property: JsonPropertyName("found")] bool Found,
    [property: JsonPropertyName("insuplc_admdvs")] string? InsuredRegion,
    [property: JsonPropertyName("insutype")] string? InsuranceType,
    [property: JsonPropertyName("balc_fen")] long BalanceFen);

/// <summary>6202: settle the insured part of an order, once per <c>pay_ord_id</c> (MedPay's settlement id).</summary>
public sealed record SettleInput(
    [property: JsonPropertyName("pay_ord_id")] string SettlementId,
    [property: JsonPropertyName("med_org_ord")] string OrderId,
    [property: JsonPropertyName("medins_code")] string MerchantId,
    [property: JsonPropertyName("ec_token")] string VoucherNo,
    [property: JsonPropertyName("fund_pay_fen")] long FundFen,
    [property: JsonPropertyName("acct_pay_fen")] long PersonalAccountFen);

/// <summary>6301, 6302, 6401 and C102, C202: the settlement (or refund) this id names.</summary>
public sealed record IdInput([property: JsonPropertyName("ord_id")] string Id);

/// <summary>6203: refund part of a settlement, once per <c>refd_ord_id</c>.</summary>
public sealed record RefundInput(
    [property: JsonPropertyName("refd_ord_id")] string RefundSettlementId,
    [property: JsonPropertyName("pay_ord_id")] string OriginalSettlementId,
    [property: JsonPropertyName("med_org_ord")] string OrderId,
    [property: JsonPropertyName("fund_refd_fen")] long FundFen,
    [property: JsonPropertyName("acct_refd_fen")] long PersonalAccountFen);

/// <summary>
/// The state of a settlement or refund: <c>ord_stas</c> is <c>settled</c>, <c>declined</c>, <c>reversed</c> or
/// <c>not_found</c>; amounts are the platform's own.
/// </summary>
public sealed record OrderStateOutput(
    [property: JsonPropertyName("ord_id")] string Id,
    [property: JsonPropertyName("ord_stas")] string Status,
    [property: JsonPropertyName("setl_id")] string? Reference,
    [property: JsonPropertyName("fund_fen")] long FundFen,
    [property: JsonPropertyName("acct_fen")] long PersonalAccountFen,
    [property: JsonPropertyName("cash_fen")] long CashFen,
    [property: JsonPropertyName("reason")] string? Reason);

public static class OrderStatusCode
{
    public const string Settled = "settled";
    public const string Declined = "declined";
    public const string Reversed = "reversed";
    public const string NotFound = "not_found";
}

/// <summary>C101: charge the self-pay cash part, once per settlement id.</summary>
public sealed record CashChargeInput(
    [property: JsonPropertyName("pay_ord_id")] string SettlementId,
    [property: JsonPropertyName("med_org_ord")] string OrderId,
    [property: JsonPropertyName("amount_fen")] long AmountFen);

/// <summary>C201: pay cash back, once per refund settlement id.</summary>
public sealed record CashRefundInput(
    [property: JsonPropertyName("refd_ord_id")] string RefundSettlementId,
    [property: JsonPropertyName("pay_ord_id")] string OriginalSettlementId,
    [property: JsonPropertyName("med_org_ord")] string OrderId,
    [property: JsonPropertyName("amount_fen")] long AmountFen);

/// <summary>3201: the statement of a day (UTC), <c>yyyy-MM-dd</c>.</summary>
public sealed record StatementInput([property: JsonPropertyName("stmt_date")] string Day);

public sealed record StatementLineOutput(
    [property: JsonPropertyName("ord_id")] string Id,
    [property: JsonPropertyName("refund")] bool IsRefund,
    [property: JsonPropertyName("med_org_ord")] string OrderId,
    [property: JsonPropertyName("medins_code")] string? MerchantId,
    [property: JsonPropertyName("pay_ord_id")] string? OriginalSettlementId,
    [property: JsonPropertyName("reversed")] bool Reversed,
    [property: JsonPropertyName("fund_fen")] long FundFen,
    [property: JsonPropertyName("acct_fen")] long PersonalAccountFen,
    [property: JsonPropertyName("at")] DateTimeOffset At);

public sealed record StatementOutput(
    [property: JsonPropertyName("stmt_date")] string Day,
    [property: JsonPropertyName("setl_count")] int SettlementCount,
    [property: JsonPropertyName("fund_sum_fen")] long FundFen,
    [property: JsonPropertyName("acct_sum_fen")] long PersonalAccountFen,
    [property: JsonPropertyName("refd_count")] int RefundCount,
    [property: JsonPropertyName("fund_refd_sum_fen")] long RefundFundFen,
    [property: JsonPropertyName("acct_refd_sum_fen")] long RefundPersonalAccountFen,
    [property: JsonPropertyName("details")] IReadOnlyList<StatementLineOutput> Lines);
