using System.Globalization;
using System.Text.Json;
using MedPay.Contracts;
using MedPay.Platform;
using MedPay.Platform.Protocol;
using Microsoft.Extensions.Options;

namespace MedPay.Sandbox;

/// <summary>
/// The platform's mobile-payment interface (<c>POST /mip</c>) and the cash channel (<c>POST /cash</c>): one signed
/// envelope in, one signed envelope out. A scripted time-out or lost reply drops the connection without an answer,
/// as a network would.
/// </summary>
public static class MipEndpoints
{
    private const int MaxBody = 64 * 1024;

    public static void MapMip(this IEndpointRouteBuilder app)
    {
        app.MapPost("/mip", (HttpContext context, SandboxKeys keys, SandboxInsurancePlatform platform, TimeProvider time, IOptions<SandboxOptions> options, ILogger<SandboxInsurancePlatform> logger) =>
            HandleAsync(context, keys, time, options.Value, logger, (request, ct) => PlatformAsync(platform, request, ct)));
        app.MapPost("/cash", (HttpContext context, SandboxKeys keys, SandboxCashChannel cash, TimeProvider time, IOptions<SandboxOptions> options, ILogger<SandboxCashChannel> logger) =>
            HandleAsync(context, keys, time, options.Value, logger, (request, ct) => CashAsync(cash, request, ct)));
    }

    private static async Task HandleAsync(
        HttpContext context,
        SandboxKeys keys,
        TimeProvider time,
        SandboxOptions options,
        ILogger logger,
        Func<MipRequest, CancellationToken, Task<object>> handle)
    {
        MipRequest? request;
        try
        {
            if (context.Request.ContentLength > MaxBody)
            {
                await AnswerAsync(context, keys, time, -1, "", "the request is too large", null);
                return;
            }

            request = await JsonSerializer.DeserializeAsync<MipRequest>(context.Request.Body, MipEnvelope.Json, context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null || request.Input.ValueKind != JsonValueKind.Object || string.IsNullOrEmpty(request.MsgId) || string.IsNullOrEmpty(request.Infno))
        {
            await AnswerAsync(context, keys, time, -1, request?.MsgId ?? "", "the envelope is malformed", null);
            return;
        }

        if (!keys.Client.Verify(request.SignedText(), request.Signature))
        {
            logger.LogWarning("Message {MsgId} ({Infno}): the signature does not verify; refused", request.MsgId, request.Infno);
            await AnswerAsync(context, keys, time, -1, request.MsgId, "the signature does not verify", null);
            return;
        }

        if (!MipEnvelope.TryParseTime(request.Time, out var sent) || (time.GetUtcNow() - sent).Duration() > options.MaxClockSkew)
        {
            await AnswerAsync(context, keys, time, -1, request.MsgId, $"inf_time '{request.Time}' is not within {options.MaxClockSkew.TotalMinutes:F0} minutes of the platform's time", null);
            return;
        }

        object output;
        try
        {
            output = await handle(request, context.RequestAborted);
        }
        catch (OutcomeUnknownException e)
        {
            // Scripted: the caller gets no answer at all.
            logger.LogInformation("Message {MsgId} ({Infno}): {Fault}; the connection is dropped", request.MsgId, request.Infno, e.Message);
            context.Abort();
            return;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or NotSupportedException)
        {
            await AnswerAsync(context, keys, time, -1, request.MsgId, $"the input of {request.Infno} is not valid", null);
            return;
        }

        await AnswerAsync(context, keys, time, 0, request.MsgId, null, output);
    }

    private static async Task AnswerAsync(HttpContext context, SandboxKeys keys, TimeProvider time, int infCode, string refMsgId, string? error, object? output)
    {
        var body = MipEnvelope.WriteResponse(infCode, refMsgId, time.GetUtcNow(), error, output ?? new { }, keys.Signing);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static T Input<T>(MipRequest request) => request.Input.Deserialize<T>(MipEnvelope.Json) ?? throw new JsonException("no input");

    private static async Task<object> PlatformAsync(SandboxInsurancePlatform platform, MipRequest request, CancellationToken ct)
    {
        switch (request.Infno)
        {
            case Infno.PersonQuery:
                var query = Input<PersonQueryInput>(request);
                if (query.CertificateNo.Length != 18)
                {
                    throw new FormatException("certno");
                }

                var person = await platform.FindPersonAsync(query.CertificateNo, ct);
                return person is null
                    ? new PersonQueryOutput(false, null, null, 0)
                    : new PersonQueryOutput(true, person.InsuredRegion, person.InsuranceType == InsuranceType.Employee ? InsuranceTypeCode.Employee : InsuranceTypeCode.Resident, person.PersonalAccountBalanceFen);
            case Infno.Settle:
                var settle = Input<SettleInput>(request);
                Amounts(settle.FundFen, settle.PersonalAccountFen);
                return State(settle.SettlementId, await platform.SettleAsync(
                    new(settle.SettlementId, settle.OrderId, settle.MerchantId, settle.VoucherNo, request.InsuredRegion, settle.FundFen, settle.PersonalAccountFen), ct));
            case Infno.QuerySettlement:
                var id = Input<IdInput>(request).Id;
                return State(id, await platform.QueryAsync(id, ct));
            case Infno.Reverse:
                id = Input<IdInput>(request).Id;
                return State(id, await platform.ReverseAsync(id, ct));
            case Infno.Refund:
                var refund = Input<RefundInput>(request);
                Amounts(refund.FundFen, refund.PersonalAccountFen);
                return State(refund.RefundSettlementId, await platform.RefundAsync(
                    new(refund.RefundSettlementId, refund.OriginalSettlementId, refund.OrderId, refund.FundFen, refund.PersonalAccountFen), ct));
            case Infno.QueryRefund:
                id = Input<IdInput>(request).Id;
                return State(id, await platform.QueryRefundAsync(id, ct));
            case Infno.Statement:
                var day = DateOnly.ParseExact(Input<StatementInput>(request).Day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var statement = await platform.GetStatementAsync(day, ct);
                var (count, fund, personal) = statement.Settled;
                var (refunds, refundFund, refundPersonal) = statement.Refunded;
                return new StatementOutput(
                    statement.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), count, fund, personal, refunds, refundFund, refundPersonal,
                    [.. statement.Lines.Select(l => new StatementLineOutput(l.Id, l.IsRefund, l.OrderId, l.MerchantId, l.OriginalSettlementId, l.Reversed, l.FundFen, l.PersonalAccountFen, l.At))]);
            default:
                throw new NotSupportedException(request.Infno);
        }
    }

    private static async Task<object> CashAsync(SandboxCashChannel cash, MipRequest request, CancellationToken ct)
    {
        switch (request.Infno)
        {
            case Infno.CashCharge:
                var charge = Input<CashChargeInput>(request);
                Amounts(charge.AmountFen, 0);
                return State(charge.SettlementId, await cash.ChargeAsync(charge.SettlementId, charge.OrderId, charge.AmountFen, ct));
            case Infno.CashQuery:
                var id = Input<IdInput>(request).Id;
                return State(id, await cash.QueryAsync(id, ct));
            case Infno.CashRefund:
                var refund = Input<CashRefundInput>(request);
                Amounts(refund.AmountFen, 0);
                return State(refund.RefundSettlementId, await cash.RefundAsync(refund.RefundSettlementId, refund.OriginalSettlementId, refund.OrderId, refund.AmountFen, ct));
            case Infno.CashQueryRefund:
                id = Input<IdInput>(request).Id;
                return State(id, await cash.QueryRefundAsync(id, ct));
            default:
                throw new NotSupportedException(request.Infno);
        }
    }

    private static void Amounts(long a, long b)
    {
        if (a < 0 || b < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(a), "amounts are never negative");
        }
    }

    private static OrderStateOutput State(string id, PlatformReply reply) => new(
        id,
        reply.Outcome switch
        {
            PlatformOutcome.Succeeded => OrderStatusCode.Settled,
            PlatformOutcome.Declined => OrderStatusCode.Declined,
            PlatformOutcome.Reversed => OrderStatusCode.Reversed,
            _ => OrderStatusCode.NotFound,
        },
        reply.Reference,
        reply.FundFen,
        reply.PersonalAccountFen,
        0,
        reply.Reason);

    private static OrderStateOutput State(string id, CashReply reply) => new(
        id,
        reply.Outcome switch
        {
            CashOutcome.Succeeded => OrderStatusCode.Settled,
            CashOutcome.Declined => OrderStatusCode.Declined,
            _ => OrderStatusCode.NotFound,
        },
        reply.Reference,
        0,
        0,
        reply.AmountFen,
        reply.Reason);
}

/// <summary>The sandbox's signing key and MedPay's public key, parsed once.</summary>
public sealed class SandboxKeys
{
    public SandboxKeys(IOptions<SandboxOptions> options)
    {
        Signing = Sm2Key.FromPrivateKey(options.Value.SigningKey);
        Client = Sm2Key.FromPublicKey(options.Value.ClientPublicKey);
        // The first signature pays for the curve's precomputation: here, not on the first payment.
        Signing.Verify("warm-up", Signing.Sign("warm-up"));
    }

    public Sm2Key Signing { get; }

    public Sm2Key Client { get; }
}
