using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace MedPay.Api;

/// <summary>
/// The kinds of caller and the claims that tell them apart. Users and operators carry an OpenID Connect token from the
/// authority (<c>sub</c>, <c>name</c>, <c>role</c>, and to open or consent the person's <c>verified_claims</c>, see
/// <see cref="VerifiedPerson"/>); a medical service end (merchant) its API credential, whose handler gives it a
/// <see cref="MerchantIdClaim"/>.
/// </summary>
public static class Callers
{
    public const string SubjectClaim = "sub";
    public const string NameClaim = "name";
    public const string RoleClaim = "role";
    public const string MerchantIdClaim = "medpay_merchant_id";

    /// <summary>The person behind a user or operator token, or null for a merchant or nobody.</summary>
    public static string? UserId(this ClaimsPrincipal caller) => caller.FindFirst(SubjectClaim)?.Value;

    /// <summary>
    /// The medical service end behind a merchant credential, or null: only the merchant scheme's identity says so, and a
    /// claim of that name in anyone else's token (a person's, from the identity provider) is ignored.
    /// </summary>
    public static string? MerchantId(this ClaimsPrincipal caller) =>
        caller.Identities.FirstOrDefault(i => i.AuthenticationType == MerchantKeyHandler.SchemeName && i.IsAuthenticated)?.FindFirst(MerchantIdClaim)?.Value;

    /// <summary>Who an audit record names: the operator's display name, else the subject.</summary>
    public static string DisplayName(this ClaimsPrincipal caller) => caller.FindFirst(NameClaim)?.Value ?? caller.UserId() ?? "unknown";

    /// <summary>
    /// The scope of an <c>Idempotency-Key</c>: the authenticated principal, so that no caller can replay another's
    /// responses, and a rotated merchant credential keeps its keys.
    /// </summary>
    public static string Scope(this ClaimsPrincipal caller)
    {
        var principal = caller.MerchantId() is { } merchantId ? "merchant:" + merchantId
            : caller.UserId() is { } subject ? "subject:" + subject
            : throw new InvalidOperationException("Idempotency keys are scoped to an authenticated caller.");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principal)));
    }
}
