using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// Signing in to the operator console (<c>/console</c>): an OpenID Connect authorization code flow with PKCE at the
/// operators' identity provider (<c>MedPay:Auth:Authority</c>; under the run command the API's development issuer and its
/// sign-in form), kept in an HttpOnly, SameSite cookie for the console's paths only. The API's endpoints never read the
/// cookie, so a browser session cannot call them (no cross-site request forgery); the console's forms carry
/// anti-forgery tokens. Operators of either role read; only the acting role changes anything.
/// </summary>
public static class ConsoleAuth
{
    public const string CookieScheme = "MedPay.Console";
    public const string OidcScheme = "MedPay.ConsoleOidc";
    public const string Path = "/console";
    public const string CallbackPath = "/console/signin-oidc";
    public const string DevelopmentClientId = "medpay-console";

    /// <summary>Operators and auditors, signed in to the console.</summary>
    public const string Readers = "console.readers";

    /// <summary>Anyone signed in to the console (for the page that refuses those without an operator role).</summary>
    public const string SignedIn = "console.signed-in";

    /// <summary>Operators who may act.</summary>
    public const string Actors = "console.actors";

    public static AuthenticationBuilder AddMedPayConsole(this AuthenticationBuilder authentication, bool development)
    {
        authentication
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "medpay-console";
                o.Cookie.Path = Path;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.AccessDeniedPath = Path + "/denied";
                o.ForwardChallenge = OidcScheme;
            })
            .AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.CallbackPath = CallbackPath;
                o.SignedOutCallbackPath = Path + "/signout-oidc";
                o.ResponseType = "code";
                // The code comes back on a top-level GET (no auto-posting page, which the console's CSP would block), so
                // the correlation and nonce cookies can be SameSite=Lax (None would need https, which development lacks).
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.SaveTokens = false;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.Scope.Add("roles");
                o.TokenValidationParameters.NameClaimType = Callers.NameClaim;
                o.TokenValidationParameters.RoleClaimType = Callers.RoleClaim;
                o.RequireHttpsMetadata = !development;
                o.CorrelationCookie.Path = CallbackPath;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.Path = CallbackPath;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
            });
        authentication.Services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<AuthOptions>, IServer, IConfiguration>((o, auth, server, configuration) =>
        {
            o.Authority = auth.Value.Authority ?? (development ? AuthSetup.OwnAddress(server) : null);
            o.ClientId = configuration["MedPay:Console:ClientId"] ?? DevelopmentClientId;
            o.ClientSecret = configuration["MedPay:Console:ClientSecret"];
        });
        authentication.Services.AddOptions<AuthorizationOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            var (operatorRole, auditorRole) = AuthOptions.Roles(configuration);
            o.AddPolicy(Readers, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser().RequireRole(operatorRole, auditorRole));
            o.AddPolicy(SignedIn, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser());
            o.AddPolicy(Actors, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser().RequireRole(operatorRole));
        });
        return authentication;
    }
}
