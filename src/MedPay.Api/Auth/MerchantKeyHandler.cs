using System.Security.Claims;
using System.Text.Encodings.Web;
using MedPay.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// The medical service end's credential, <c>Authorization: Bearer {merchantId}.{apiKey}</c>, as an authentication scheme:
/// the merchant grain checks the key against the hash it keeps. The merchant id comes from here, never from a body.
/// </summary>
public sealed class MerchantKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MerchantKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Credential(Request) is not { } credential)
        {
            return AuthenticateResult.NoResult();
        }

        var dot = credential.IndexOf('.');
        var merchantId = dot > 0 ? credential[..dot] : "";
        if (!Ids.IsValid(merchantId) || !await grains.GetGrain<IMerchantGrain>(merchantId).VerifyAsync(credential[(dot + 1)..]))
        {
            return AuthenticateResult.Fail("The merchant credential is not valid.");
        }

        var identity = new ClaimsIdentity([new Claim(Callers.MerchantIdClaim, merchantId)], SchemeName, Callers.MerchantIdClaim, Callers.RoleClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    /// <summary>The bearer value when it has the shape of a merchant credential (one dot); a JWT has two.</summary>
    public static string? Credential(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var value = header[7..].Trim();
        return value.Count(c => c == '.') == 1 ? value : null;
    }
}
