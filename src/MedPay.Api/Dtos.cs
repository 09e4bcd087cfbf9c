using System.Text.Json.Serialization;
using MedPay.Contracts;

namespace MedPay.Api;

// Requests: every field nullable, so that a missing field is a clear 400 rather than a silent default.

public sealed record OpenVoucherRequest(string? UserId, string? FullName, string? NationalId, string? InsuredRegion, string? InsuranceType);

public sealed record AuthorizeRequest(string? MerchantId, long? MaxAmountFen, string? MerchantOrderNo, int? ValidForMinutes);

public sealed record VoucherStatusRequest(string? Status, string? Reason);

public sealed record OrderItemRequest(string? Code, string? Name, string? Category, long? UnitPriceFen, int? Quantity);

public sealed record CreateOrderRequest(string? MerchantId, string? MerchantOrderNo, string? UserId, List<OrderItemRequest?>? Items);

public sealed record PayRequest(string? AuthCode, long? MaxCashFen);

// Responses: the public contract, in camelCase with integer fen.

public sealed record SplitResponse(long FundFen, long PersonalAccountFen, long CashFen)
{
    public static SplitResponse? From(Split? split) => split is null ? null : new(split.FundFen, split.PersonalAccountFen, split.CashFen);
}

public sealed record FailureResponse(string Code, string Message)
{
    public static FailureResponse? From(Failure? failure) => failure is null ? null : new(failure.Code, failure.Message);
}

public sealed record AccumulatorsResponse(int Year, long DeductibleUsedFen, long FundPaidFen);

public sealed record VoucherResponse(
    string UserId,
    string VoucherNo,
    string Status,
    string InsuredRegion,
    string InsuranceType,
    string NationalIdMasked,
    string FullNameMasked,
    long PersonalAccountBalanceFen,
    long ReservedFen,
    long AvailableBalanceFen,
    AccumulatorsResponse Accumulators,
    DateTimeOffset OpenedAt)
{
    /// <summary>
    /// The balance counts committed payments; a payment in flight (reserved, not yet committed) is in <c>reservedFen</c>.
    /// What is left to spend, balance − reserved, is right at every moment of a payment.
    /// </summary>
    public static VoucherResponse From(VoucherView v) => new(
        v.UserId, v.VoucherNo, WireNames.Of(v.Status), v.InsuredRegion, WireNames.Of(v.InsuranceType), v.NationalIdMasked, v.FullNameMasked,
        v.PersonalAccountBalanceFen, v.ReservedFen, v.PersonalAccountBalanceFen - v.ReservedFen, new(v.Accumulators.Year, v.Accumulators.DeductibleUsedFen, v.Accumulators.FundPaidFen), v.OpenedAt);
}

public sealed record AuthorizationResponse(string AuthCode, string MerchantId, long MaxAmountFen, string? MerchantOrderNo, DateTimeOffset ExpiresAt);

public sealed record OrderItemResponse(string Code, string Name, string Category, long UnitPriceFen, int Quantity, long AmountFen);

public sealed record HistoryResponse(DateTimeOffset At, string Status, string Cause);

public sealed record OrderResponse(
    string OrderId,
    string MerchantId,
    string MerchantOrderNo,
    string UserId,
    string Status,
    IReadOnlyList<OrderItemResponse> Items,
    long TotalFen,
    SplitResponse? Split,
    string? SettlementId,
    string? PlatformSettlementRef,
    FailureResponse? Failure,
    IReadOnlyList<HistoryResponse> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long RefundedFen,
    IReadOnlyList<RefundResponse> Refunds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NotificationResponse>? Notifications,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? HistoryDropped = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? NotificationsDropped = null)
{
    /// <param name="withNotifications">False for the order's user: delivery records and their errors are for the merchant and operators only.</param>
    public static OrderResponse From(OrderView o, bool withNotifications = true) => new(
        o.OrderId, o.MerchantId, o.MerchantOrderNo, o.UserId, WireNames.Of(o.Status),
        [.. o.Items.Select(i => new OrderItemResponse(i.Code, i.Name, i.Category.ToString(), i.UnitPriceFen, i.Quantity, i.UnitPriceFen * i.Quantity))],
        o.TotalFen, SplitResponse.From(o.Split), o.SettlementId, o.PlatformSettlementRef, FailureResponse.From(o.Failure),
        [.. o.History.Select(h => new HistoryResponse(h.At, WireNames.Of(h.Status), h.Cause))], o.CreatedAt, o.UpdatedAt,
        o.Refunded.TotalFen, [.. o.Refunds.Select(r => RefundResponse.From(o.OrderId, r))], withNotifications ? [.. o.Notifications.Select(NotificationResponse.From)] : null,
        o.HistoryDropped > 0 ? o.HistoryDropped : null, withNotifications && o.NotificationsDropped > 0 ? o.NotificationsDropped : null);
}

public sealed record RefundRequestBody(string? RefundId, long? AmountFen, string? Reason);

public sealed record CancelRequest(string? Reason);

public sealed record RegisterMerchantRequest(string? MerchantId, string? Name, string? InstitutionCode, string? CallbackUrl, string? Reason);

public sealed record CallbackRequest(string? CallbackUrl, string? Reason);

public sealed record ReasonRequest(string? Reason);

public sealed record AuditEntryResponse(DateTimeOffset At, string Operator, string OperatorName, string Action, string Target, string Change, string Reason, string? Outcome)
{
    public static AuditEntryResponse From(AuditEntry e) => new(e.At, e.OperatorSubject, e.OperatorName, e.Action, e.Target, e.Change, e.Reason, e.Outcome);
}

public sealed record RefundResponse(
    string OrderId,
    string RefundId,
    long AmountFen,
    string Reason,
    string Status,
    SplitResponse Split,
    string RefundSettlementId,
    string? PlatformRefundRef,
    FailureResponse? Failure,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt)
{
    public static RefundResponse From(string orderId, RefundView r) => new(
        orderId, r.RefundId, r.AmountFen, r.Reason, WireNames.Of(r.Status), SplitResponse.From(r.Split)!, r.RefundSettlementId, r.PlatformRefundRef,
        FailureResponse.From(r.Failure), r.RequestedAt, r.CompletedAt);
}

public sealed record NotificationResponse(string EventId, string Type, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, string? LastError)
{
    public static NotificationResponse From(NotificationView n) => new(n.EventId, n.Type, WireNames.Of(n.Status), n.Attempts, n.CreatedAt, n.DeliveredAt, n.LastError);
}

public sealed record MerchantResponse(string MerchantId, string Name, string InstitutionCode, string? CallbackUrl, DateTimeOffset RegisteredAt, DateTimeOffset CredentialsIssuedAt)
{
    public static MerchantResponse From(MerchantView m) => new(m.MerchantId, m.Name, m.InstitutionCode, m.CallbackUrl, m.RegisteredAt, m.CredentialsIssuedAt);
}

public sealed record MerchantCredentialsResponse(MerchantResponse Merchant, string ApiKey, string WebhookSecret)
{
    public static MerchantCredentialsResponse From(MerchantCredentials c) => new(MerchantResponse.From(c.Merchant), c.ApiKey, c.WebhookSecret);
}

public sealed record OrderSummaryResponse(string OrderId, string MerchantId, string MerchantOrderNo, string UserId, string Status, long TotalFen, SplitResponse? Split, long RefundedFen, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static OrderSummaryResponse From(OrderSummary o) =>
        new(o.OrderId, o.MerchantId, o.MerchantOrderNo, o.UserId, WireNames.Of(o.Status), o.TotalFen, SplitResponse.From(o.Split), o.RefundedFen, o.CreatedAt, o.UpdatedAt);
}

public sealed record OrderPageResponse(IReadOnlyList<OrderSummaryResponse> Orders, string? NextPageToken)
{
    public static OrderPageResponse From(OrderPage page) => new([.. page.Orders.Select(OrderSummaryResponse.From)], page.NextPageToken);
}

/// <summary>One difference: the order's side, the gateway record's, and the platform's line (null for a difference inside MedPay).</summary>
public sealed record MismatchResponse(string OrderId, string What, string Order, string Gateway, string? Platform)
{
    public static MismatchResponse From(ReconciliationMismatch m) => new(m.OrderId, m.What, m.Order, m.Gateway, m.Platform);
}

public sealed record ReconciliationResponse(
    string MerchantId, string Day, int SettledCount, long TotalFen, SplitResponse Settled, int RefundCount, long RefundedFen, SplitResponse Refunded,
    IReadOnlyList<MismatchResponse> Mismatches, PlatformCheckResponse? PlatformCheck)
{
    public static ReconciliationResponse From(Reconciliation r) => new(
        r.MerchantId, r.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.SettledCount, r.SettledTotalFen, SplitResponse.From(r.Settled)!,
        r.RefundCount, r.RefundedTotalFen, SplitResponse.From(r.Refunded)!, [.. r.Mismatches.Select(MismatchResponse.From)],
        r.Platform is null ? null : PlatformCheckResponse.From(r.Platform));
}

/// <summary>A count and the insured parts (pooled fund, personal account), in fen.</summary>
public sealed record StatementTotalsResponse(int Count, long FundFen, long PersonalAccountFen)
{
    public static StatementTotalsResponse? From(StatementTotals? t) => t is null ? null : new(t.Count, t.FundFen, t.PersonalAccountFen);
}

/// <summary>MedPay's totals next to the platform's for the same settlements or refunds (the platform's: null when not checked).</summary>
public sealed record TotalsCheckResponse(StatementTotalsResponse Medpay, StatementTotalsResponse? Platform);

/// <summary>
/// The check against the platform's own statement: <c>status</c> is <c>checked</c>, or <c>unavailable</c> with the
/// <c>reason</c> (then nothing was compared with the platform, and no platform difference is listed).
/// </summary>
public sealed record PlatformCheckResponse(string Status, string? Reason, TotalsCheckResponse Settled, TotalsCheckResponse Refunded)
{
    public static PlatformCheckResponse From(PlatformCheck c) => new(
        c.Checked ? "checked" : "unavailable", c.Unavailable,
        new(StatementTotalsResponse.From(c.MedPaySettled)!, StatementTotalsResponse.From(c.PlatformSettled)),
        new(StatementTotalsResponse.From(c.MedPayRefunded)!, StatementTotalsResponse.From(c.PlatformRefunded)));
}

/// <summary>One difference of the operators' daily check, with the merchant it concerns.</summary>
public sealed record PlatformDayMismatchResponse(string MerchantId, string OrderId, string What, string Order, string Gateway, string? Platform);

/// <summary>The totals the platform states for its whole day (3201), whatever merchant or order day.</summary>
public sealed record PlatformStatedResponse(StatementTotalsResponse Settled, StatementTotalsResponse Refunded);

public sealed record PlatformReconciliationResponse(
    string Day, int MerchantCount, PlatformCheckResponse PlatformCheck, PlatformStatedResponse? PlatformStated, IReadOnlyList<PlatformDayMismatchResponse> Mismatches)
{
    public static PlatformReconciliationResponse From(PlatformDayReconciliation r) => new(
        r.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        r.MerchantCount,
        PlatformCheckResponse.From(r.Check),
        r.StatedSettled is null || r.StatedRefunded is null ? null : new(StatementTotalsResponse.From(r.StatedSettled)!, StatementTotalsResponse.From(r.StatedRefunded)!),
        [.. r.Mismatches.Select(m => new PlatformDayMismatchResponse(
            OrderIds.TryParse(m.OrderId, out var merchantId, out _) ? merchantId : "", m.OrderId, m.What, m.Order, m.Gateway, m.Platform))]);
}

public sealed record PaymentResponse(string OrderId, string Status, string? SettlementId, SplitResponse? Split, string? PlatformSettlementRef, FailureResponse? Failure)
{
    public static PaymentResponse From(PaymentResult p) =>
        new(p.OrderId, WireNames.Of(p.Status), p.SettlementId, SplitResponse.From(p.Split), p.PlatformSettlementRef, FailureResponse.From(p.Failure));
}


public sealed record ResolveReviewRequest(string? Decision, string? Reason);

public sealed record ReviewEntryResponse(string OrderId, string MerchantId, long TotalFen, DateTimeOffset Since, string Code, string Reason)
{
    public static ReviewEntryResponse From(ReviewEntry e) => new(e.OrderId, e.MerchantId, e.TotalFen, e.Since, e.Code, e.Reason);
}

/// <summary>What the platform and the cash channel say now of an order's settlement.</summary>
public sealed record PlatformAnswerResponse(
    string SettlementId, string PlatformStatus, long FundFen, long PersonalAccountFen, string? PlatformRef, string CashStatus, long CashFen, string? CashRef, DateTimeOffset AskedAt)
{
    public static PlatformAnswerResponse From(PlatformAnswer a) =>
        new(a.SettlementId, a.PlatformStatus, a.FundFen, a.PersonalAccountFen, a.PlatformRef, a.CashStatus, a.CashFen, a.CashRef, a.AskedAt);
}

/// <summary>An order in review, the platform's answer now, and the one decision it allows (<c>settle</c>, <c>fail</c>, or null: none yet).</summary>
public sealed record ReviewCaseResponse(OrderResponse Order, PlatformAnswerResponse Platform, string? Allowed, string Explanation)
{
    public static ReviewCaseResponse From(ReviewCase c) =>
        new(OrderResponse.From(c.Order), PlatformAnswerResponse.From(c.Platform), c.Allowed is { } d ? WireNames.Of(d) : null, c.Explanation);
}
