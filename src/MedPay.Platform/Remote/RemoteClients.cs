using System.Globalization;
using MedPay.Contracts;
using MedPay.Platform.Protocol;

namespace MedPay.Platform.Remote;

/// <summary>The national insurance platform over its signed mobile-payment interface.</summary>
public sealed class RemoteInsurancePlatform(MipTransport transport) : IInsurancePlatform
{
    public async Task<PlatformPerson?> FindPersonAsync(string nationalId, CancellationToken cancellationToken)
    {
        // "01": a resident identity card.
        var person = await transport.PlatformAsync<PersonQueryInput, PersonQueryOutput>(Infno.PersonQuery, null, new("01", nationalId), cancellationToken);
        if (!person.Found)
        {
            return null;
        }

        var type = person.InsuranceType switch
        {
            InsuranceTypeCode.Employee => InsuranceType.Employee,
            InsuranceTypeCode.Resident => InsuranceType.Resident,
            var other => throw new OutcomeUnknownException($"The platform named an insurance type MedPay does not know: '{other}'."),
        };
        return new PlatformPerson(person.InsuredRegion ?? "", type, person.BalanceFen);
    }

    public async Task<PlatformReply> SettleAsync(PlatformSettleRequest request, CancellationToken cancellationToken) =>
        Reply(await transport.PlatformAsync<SettleInput, OrderStateOutput>(
            Infno.Settle,
            request.InsuredRegion,
            new(request.SettlementId, request.OrderId, request.MerchantId, request.VoucherNo, request.FundFen, request.PersonalAccountFen),
            cancellationToken));

    public async Task<PlatformReply> QueryAsync(string settlementId, CancellationToken cancellationToken) =>
        Reply(await transport.PlatformAsync<IdInput, OrderStateOutput>(Infno.QuerySettlement, null, new(settlementId), cancellationToken));

    public async Task<PlatformReply> ReverseAsync(string settlementId, CancellationToken cancellationToken) =>
        Reply(await transport.PlatformAsync<IdInput, OrderStateOutput>(Infno.Reverse, null, new(settlementId), cancellationToken));

    public async Task<PlatformReply> RefundAsync(PlatformRefundRequest request, CancellationToken cancellationToken) =>
        Reply(await transport.PlatformAsync<RefundInput, OrderStateOutput>(
            Infno.Refund,
            null,
            new(request.RefundSettlementId, request.OriginalSettlementId, request.OrderId, request.FundFen, request.PersonalAccountFen),
            cancellationToken));

    public async Task<PlatformReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        Reply(await transport.PlatformAsync<IdInput, OrderStateOutput>(Infno.QueryRefund, null, new(refundSettlementId), cancellationToken));

    public async Task<PlatformStatement> GetStatementAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var statement = await transport.PlatformAsync<StatementInput, StatementOutput>(
            Infno.Statement, null, new(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), cancellationToken);
        var result = new PlatformStatement(day, [.. statement.Lines.Select(l => new PlatformStatementLine(
            l.Id, l.IsRefund, l.OrderId, l.MerchantId, l.OriginalSettlementId, l.Reversed, l.FundFen, l.PersonalAccountFen, l.At))]);

        // The statement's own totals must add up to its lines: a statement that does not is not trusted.
        if (result.Settled != (statement.SettlementCount, statement.FundFen, statement.PersonalAccountFen)
            || result.Refunded != (statement.RefundCount, statement.RefundFundFen, statement.RefundPersonalAccountFen))
        {
            throw new OutcomeUnknownException($"The platform's statement of {day:yyyy-MM-dd} states totals that its lines do not add up to.");
        }

        return result;
    }

    private static PlatformReply Reply(OrderStateOutput output) =>
        new(Outcome(output.Status), output.Reference, output.FundFen, output.PersonalAccountFen, output.Reason);

    internal static PlatformOutcome Outcome(string status) => status switch
    {
        OrderStatusCode.Settled => PlatformOutcome.Succeeded,
        OrderStatusCode.Declined => PlatformOutcome.Declined,
        OrderStatusCode.Reversed => PlatformOutcome.Reversed,
        OrderStatusCode.NotFound => PlatformOutcome.NotFound,
        _ => throw new OutcomeUnknownException($"The platform answered a status MedPay does not know: '{status}'."),
    };
}

/// <summary>The cash channel, over the same signed envelope.</summary>
public sealed class RemoteCashChannel(MipTransport transport) : ICashChannel
{
    public async Task<CashReply> ChargeAsync(string settlementId, string orderId, long amountFen, CancellationToken cancellationToken) =>
        Reply(await transport.CashAsync<CashChargeInput, OrderStateOutput>(Infno.CashCharge, new(settlementId, orderId, amountFen), cancellationToken));

    public async Task<CashReply> QueryAsync(string settlementId, CancellationToken cancellationToken) =>
        Reply(await transport.CashAsync<IdInput, OrderStateOutput>(Infno.CashQuery, new(settlementId), cancellationToken));

    public async Task<CashReply> RefundAsync(string refundSettlementId, string originalSettlementId, string orderId, long amountFen, CancellationToken cancellationToken) =>
        Reply(await transport.CashAsync<CashRefundInput, OrderStateOutput>(Infno.CashRefund, new(refundSettlementId, originalSettlementId, orderId, amountFen), cancellationToken));

    public async Task<CashReply> QueryRefundAsync(string refundSettlementId, CancellationToken cancellationToken) =>
        Reply(await transport.CashAsync<IdInput, OrderStateOutput>(Infno.CashQueryRefund, new(refundSettlementId), cancellationToken));

    private static CashReply Reply(OrderStateOutput output) => new(
        RemoteInsurancePlatform.Outcome(output.Status) switch
        {
            PlatformOutcome.Succeeded => CashOutcome.Succeeded,
            PlatformOutcome.NotFound => CashOutcome.NotFound,
            _ => CashOutcome.Declined,
        },
        output.Reference,
        output.CashFen,
        output.Reason);
}
