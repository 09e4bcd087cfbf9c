using System.Security.Cryptography;
using System.Text;
using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>
/// Who is calling. A medical service end (merchant) sends <c>Authorization: Bearer {merchantId}.{apiKey}</c>; an
/// operator sends <c>Authorization: Bearer {operator token}</c> (<c>MedPay:Operator:Token</c>). Applications acting for
/// a user call the public endpoints without credentials.
/// </summary>
public static class Callers
{
    public static async Task<(string? MerchantId, IResult? Problem)> MerchantAsync(HttpContext context, IGrainFactory grains)
    {
        var token = Bearer(context);
        var dot = token?.IndexOf('.') ?? -1;
        if (token is null || dot <= 0 || !Ids.IsValid(token[..dot]))
        {
            return (null, Unauthorized(context, "Send the merchant credential as Authorization: Bearer {merchantId}.{apiKey}."));
        }

        var merchantId = token[..dot];
        return await grains.GetGrain<IMerchantGrain>(merchantId).VerifyAsync(token[(dot + 1)..])
            ? (merchantId, null)
            : (null, Unauthorized(context, "The merchant credential is not valid."));
    }

    public static IResult? Operator(HttpContext context, IConfiguration configuration)
    {
        var expected = configuration["MedPay:Operator:Token"];
        var token = Bearer(context);
        return !string.IsNullOrEmpty(expected) && token is not null
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)))
            ? null
            : Unauthorized(context, "This is an operator operation: send Authorization: Bearer {operator token}.");
    }

    /// <summary>A scope for idempotency keys: the caller's credential (hashed), so that no caller can replay another's responses.</summary>
    public static string Scope(HttpContext context) =>
        context.Request.Headers.Authorization.ToString() is { Length: > 0 } credential
            ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential)))
            : "public";

    private static string? Bearer(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private static IResult Unauthorized(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.For(ErrorCodes.Unauthorized, detail);
    }
}
