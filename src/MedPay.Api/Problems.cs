using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>RFC 7807 problem details with a stable <c>code</c>; one table maps each code to its HTTP status.</summary>
public static class Problems
{
    public const string TypeBase = "https://medpay.dev/problems/";

    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.VoucherNotFound or ErrorCodes.OrderNotFound or ErrorCodes.MerchantNotFound or "not_found" => StatusCodes.Status404NotFound,
        ErrorCodes.VoucherConflict or ErrorCodes.IdentityUnavailable or ErrorCodes.VoucherMoved or ErrorCodes.VoucherBusy or ErrorCodes.OrderConflict or ErrorCodes.OrderAlreadyPaid or ErrorCodes.OrderNotPayable or ErrorCodes.OrderCancelled
            or ErrorCodes.OrderExpired or ErrorCodes.OrderNotCancellable or ErrorCodes.OrderNotRefundable or ErrorCodes.RefundConflict
            or ErrorCodes.MerchantConflict or ErrorCodes.TooManyRefunds or ErrorCodes.OrderNotInReview or ErrorCodes.ResolutionContradictsPlatform
            or ErrorCodes.ResolutionAmountsDiffer => StatusCodes.Status409Conflict,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.RefundExceedsPaid => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.RefundDeclined => StatusCodes.Status402PaymentRequired,
        ErrorCodes.AuthUnknown or ErrorCodes.AuthExpired or ErrorCodes.AuthUsed or ErrorCodes.AuthWrongMerchant or ErrorCodes.AuthWrongOrder
            or ErrorCodes.AuthOverAmount or ErrorCodes.VoucherSuspended or ErrorCodes.VoucherRevoked or ErrorCodes.Forbidden
            or ErrorCodes.RecentVerificationRequired or ErrorCodes.VerifiedClaimsRequired or ErrorCodes.IdentityMismatch or ErrorCodes.UserMismatch or ErrorCodes.MerchantMismatch => StatusCodes.Status403Forbidden,
        ErrorCodes.InsufficientBalance or ErrorCodes.PlatformDeclined or ErrorCodes.CashDeclined => StatusCodes.Status402PaymentRequired,
        ErrorCodes.UnknownRegion or ErrorCodes.InsuranceRecordMismatch or ErrorCodes.IdempotencyKeyReused => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.IdempotencyKeyInUse => StatusCodes.Status409Conflict,
        ErrorCodes.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        "payload_too_large" => StatusCodes.Status413PayloadTooLarge,
        "method_not_allowed" => StatusCodes.Status405MethodNotAllowed,
        ErrorCodes.PlatformUnavailable or ErrorCodes.SignInUnavailable or "service_unavailable" => StatusCodes.Status503ServiceUnavailable,
        "internal_error" => StatusCodes.Status500InternalServerError,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status400BadRequest,
    };

    public static IResult For(Failure failure, IDictionary<string, object?>? extensions = null) => For(failure.Code, failure.Message, extensions);

    public static IResult For(string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            all[key] = value;
        }

        return Results.Problem(detail: detail, statusCode: StatusOf(code), title: Title(code), type: TypeBase + code, extensions: all);
    }

    public static Task WriteAsync(HttpContext context, string code, string detail)
    {
        context.Response.StatusCode = StatusOf(code);
        return For(code, detail).ExecuteAsync(context);
    }

    private static string Title(string code) => char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ');
}
