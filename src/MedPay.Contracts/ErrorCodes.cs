namespace MedPay.Contracts;

/// <summary>The stable error codes MedPay returns. Clients branch on these; never rename one.</summary>
public static class ErrorCodes
{
    // Request shape
    public const string MalformedJson = "malformed_json";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string InvalidRequest = "invalid_request";

    // Identity and vouchers
    public const string InvalidUserId = "invalid_user_id";
    public const string InvalidFullName = "invalid_full_name";
    public const string InvalidNationalId = "invalid_national_id";
    public const string InvalidRegion = "invalid_region";
    public const string UnknownRegion = "unknown_region";
    public const string InvalidInsuranceType = "invalid_insurance_type";
    public const string VoucherNotFound = "voucher_not_found";
    /// <summary>No longer returned: re-opening an opened voucher answers the voucher, whatever identity is sent (no oracle).</summary>
    public const string VoucherConflict = "voucher_conflict";
    /// <summary>
    /// The person named is not the person the identity provider verified: a body naming someone other than the token's
    /// verified claims, a consent by a person other than the voucher's holder, or an account whose voucher is another
    /// person's. Nothing is stored.
    /// </summary>
    public const string IdentityMismatch = "identity_mismatch";
    /// <summary>The insured region or insurance type sent disagrees with the insurance platform's: nothing is opened.</summary>
    public const string InsuranceRecordMismatch = "insurance_record_mismatch";
    /// <summary>The token carries no usable verified claims (OpenID Connect for Identity Assurance): it cannot open or consent.</summary>
    public const string VerifiedClaimsRequired = "verified_claims_required";
    /// <summary>This account's e-voucher was moved to its holder's other account; this account cannot open another.</summary>
    public const string VoucherMoved = "voucher_moved";
    /// <summary>The e-voucher is moving between the person's accounts (many opened at once): the request may be repeated.</summary>
    public const string VoucherBusy = "voucher_busy";
    /// <summary>
    /// This identity cannot open an e-voucher for this user: it backs another user's voucher, or the platform insures no
    /// such person. One code and one text for both, so that the answer does not tell which.
    /// </summary>
    public const string IdentityUnavailable = "identity_unavailable";
    public const string VoucherSuspended = "voucher_suspended";
    public const string VoucherRevoked = "voucher_revoked";
    public const string PlatformUnavailable = "platform_unavailable";

    // Authorizations
    public const string InvalidMerchantId = "invalid_merchant_id";
    public const string InvalidAmount = "invalid_amount";
    public const string InvalidValidity = "invalid_validity";
    public const string AuthUnknown = "auth_unknown";
    public const string AuthExpired = "auth_expired";
    public const string AuthUsed = "auth_used";
    public const string AuthWrongMerchant = "auth_wrong_merchant";
    public const string AuthWrongOrder = "auth_wrong_order";
    public const string AuthOverAmount = "auth_over_amount";

    // Orders
    public const string InvalidMerchantOrderNo = "invalid_merchant_order_no";
    public const string EmptyItems = "empty_items";
    public const string TooManyItems = "too_many_items";
    public const string InvalidItem = "invalid_item";
    public const string UnknownCategory = "unknown_category";
    public const string InvalidPrice = "invalid_price";
    public const string InvalidQuantity = "invalid_quantity";
    public const string AmountOverflow = "amount_overflow";
    /// <summary>A review decision for an order that is not in manual review.</summary>
    public const string OrderNotInReview = "order_not_in_review";

    /// <summary>A review decision against what the platform holds (settle what it does not hold, fail what it settled).</summary>
    public const string ResolutionContradictsPlatform = "resolution_contradicts_platform";

    /// <summary>The platform holds the settlement with other amounts than the voucher reserved: it needs an adjustment, not a plain settle.</summary>
    public const string ResolutionAmountsDiffer = "resolution_amounts_differ";

    public const string OrderConflict = "order_conflict";
    public const string OrderNotFound = "order_not_found";
    public const string OrderAlreadyPaid = "order_already_paid";
    public const string OrderNotPayable = "order_not_payable";

    // Payment outcomes
    public const string InsufficientBalance = "insufficient_balance";
    public const string PlatformDeclined = "platform_declined";
    public const string CashDeclined = "cash_declined";
    public const string AmountMismatch = "amount_mismatch";
    public const string SettlementUnknown = "settlement_unknown";

    // Refunds, cancellation, merchants
    public const string InvalidRefundId = "invalid_refund_id";
    public const string InvalidReason = "invalid_reason";
    public const string RefundConflict = "refund_conflict";
    public const string RefundExceedsPaid = "refund_exceeds_paid";
    public const string TooManyRefunds = "too_many_refunds";
    public const string OrderNotRefundable = "order_not_refundable";
    /// <summary>The platform or the cash channel refused a refund: the refund is held in manual review with this code.</summary>
    public const string RefundDeclined = "refund_declined";
    /// <summary>A refund whose outcome stayed unknown past <c>MedPay:Recovery:ManualReviewAfter</c>: held in manual review with this code.</summary>
    public const string RefundUnknown = "refund_unknown";
    public const string OrderNotCancellable = "order_not_cancellable";
    public const string OrderCancelled = "order_cancelled";
    public const string OrderExpired = "order_expired";
    public const string Unauthorized = "unauthorized";
    public const string MerchantNotFound = "merchant_not_found";
    public const string MerchantConflict = "merchant_conflict";
    public const string InvalidInstitutionCode = "invalid_institution_code";
    public const string InvalidCallbackUrl = "invalid_callback_url";
    public const string InvalidName = "invalid_name";
    public const string InvalidDay = "invalid_day";
    public const string InvalidPageToken = "invalid_page_token";

    // Callers
    public const string Forbidden = "forbidden";
    public const string RecentVerificationRequired = "recent_verification_required";
    public const string UserMismatch = "user_mismatch";
    public const string MerchantMismatch = "merchant_mismatch";

    // Idempotency
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";

    // Abuse
    public const string RateLimited = "rate_limited";

    // The operator console's sign-in
    /// <summary>A sign-in callback that completes no sign-in this API started for this browser: sign in again from /console.</summary>
    public const string SignInFailed = "signin_failed";

    /// <summary>The operators' identity provider cannot be reached to sign in to the console: 503 with Retry-After.</summary>
    public const string SignInUnavailable = "signin_unavailable";
}

/// <summary>
/// The one answer for "not found": a grain that has no such voucher, order or merchant and an API that hides someone
/// else's give it word for word, so the two cannot be told apart.
/// </summary>
public static class NotFound
{
    public static Failure Voucher { get; } = new(ErrorCodes.VoucherNotFound, "No e-voucher is open for this user.");

    public static Failure Order { get; } = new(ErrorCodes.OrderNotFound, "No such order.");

    public static Failure Merchant { get; } = new(ErrorCodes.MerchantNotFound, "No such merchant.");

}
