namespace MedPay.Contracts;

/// <summary>
/// The wire names of MedPay's enums, snake_case and stable: the one place the API's bodies, the notifications and the
/// statements take them from.
/// </summary>
public static class WireNames
{
    /// <summary>The types of the result notifications an order sends its merchant.</summary>
    public static class OrderEvents
    {
        public const string Settled = "order.settled";
        public const string Failed = "order.failed";
        public const string ManualReview = "order.manual_review";
        public const string Refunded = "order.refunded";
        public const string RefundReview = "order.refund_review";
        public const string Cancelled = "order.cancelled";
        public const string Expired = "order.expired";
    }

    public static string Of(OrderStatus status) => status switch
    {
        OrderStatus.Created => "created",
        OrderStatus.Paying => "paying",
        OrderStatus.Settled => "settled",
        OrderStatus.Failed => "failed",
        OrderStatus.PartiallyRefunded => "partially_refunded",
        OrderStatus.Refunded => "refunded",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.Expired => "expired",
        OrderStatus.ManualReview => "manual_review",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Of(VoucherStatus status) => status switch
    {
        VoucherStatus.Active => "active",
        VoucherStatus.Suspended => "suspended",
        VoucherStatus.Revoked => "revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Of(SettlementStatus status) => status switch
    {
        SettlementStatus.Pending => "pending",
        SettlementStatus.Succeeded => "succeeded",
        SettlementStatus.Declined => "declined",
        SettlementStatus.Unknown => "unknown",
        SettlementStatus.Mismatch => "mismatch",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Of(RefundStatus status) => status switch
    {
        RefundStatus.Pending => "pending",
        RefundStatus.Succeeded => "succeeded",
        RefundStatus.Failed => "failed",
        RefundStatus.ManualReview => "manual_review",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Of(NotificationStatus status) => status switch
    {
        NotificationStatus.Pending => "pending",
        NotificationStatus.Delivered => "delivered",
        _ => "failed",
    };

    public static string Of(InsuranceType type) => type == InsuranceType.Employee ? "employee" : "resident";

    public static bool TryParseOrderStatus(string? value, out OrderStatus? status)
    {
        status = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        foreach (var candidate in Enum.GetValues<OrderStatus>())
        {
            if (Of(candidate) == value)
            {
                status = candidate;
                return true;
            }
        }

        return false;
    }

    public static InsuranceType? ParseInsuranceType(string? value) => value switch
    {
        "employee" => InsuranceType.Employee,
        "resident" => InsuranceType.Resident,
        _ => null,
    };

    public static VoucherStatus? ParseVoucherStatus(string? value) => value switch
    {
        "active" => VoucherStatus.Active,
        "suspended" => VoucherStatus.Suspended,
        "revoked" => VoucherStatus.Revoked,
        _ => null,
    };

    public static ItemCategory? ParseCategory(string? value) => value switch
    {
        "A" or "a" => ItemCategory.A,
        "B" or "b" => ItemCategory.B,
        "C" or "c" => ItemCategory.C,
        _ => null,
    };

    public static string Of(ReviewDecision decision) => decision == ReviewDecision.Settle ? "settle" : "fail";

    public static ReviewDecision? ParseReviewDecision(string? value) => value switch
    {
        "settle" => ReviewDecision.Settle,
        "fail" => ReviewDecision.Fail,
        _ => null,
    };
}
