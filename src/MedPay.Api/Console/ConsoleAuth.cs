using MedPay.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace MedPay.Api;

/// <summary>
/// Signing in to the operator console (<c>/console</c>): an OpenID Connect authorization code flow with PKCE at the
/// operators' identity provider (<c>MedPay:Auth:Authority</c>; under the run command the API's development issuer and its
/// sign-in form), kept in an HttpOnly, SameSite cookie for the console's paths only. The API's endpoints never read the
/// cookie, so a browser session cannot call them (no cross-site request forgery); the console's forms carry
/// anti-forgery tokens. Operators of either role read; only the acting role changes anything.
/// <para>
/// A callback that does not complete a sign-in this API started for this browser (forged, replayed, stale, or refused
/// by the identity provider) is a 400 <c>signin_failed</c>; an identity provider that cannot be reached, when the
/// console sends a browser to it or when the browser comes back, is a 503 <c>signin_unavailable</c> with
/// <c>Retry-After</c>. Both are one warning in the log, which names no value the request sent.
/// </para>
/// </summary>
public static partial class ConsoleAuth
{
    public const string CookieScheme = "MedPay.Console";
    public const string DashboardCookieScheme = "MedPay.Dashboard";
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

    /// <summary>
    /// The Orleans dashboard's readers (operators of either role): by the API's bearer token, for tools, or by the
    /// console's sign-in, for a browser. See <see cref="IsDashboard"/>.
    /// </summary>
    public const string DashboardReaders = "dashboard.readers";

    /// <summary>The dashboard's policy: it reads both the bearer schemes and the dashboard's cookie.</summary>
    public static bool IsDashboard(AuthorizationPolicy policy) => policy.AuthenticationSchemes.Contains(DashboardCookieScheme);

    public static AuthenticationBuilder AddMedPayConsole(this AuthenticationBuilder authentication, bool development)
    {
        authentication
            .AddCookie(CookieScheme, o =>
            {
                Session(o, "medpay-console", Path, SameSiteMode.Lax, development);
                o.AccessDeniedPath = Path + "/denied";
                o.ForwardChallenge = OidcScheme;
                // Signed in to the console is signed in to the Orleans dashboard too: its own cookie, for its path only.
                o.Events.OnSignedIn = context => context.HttpContext.SignInAsync(DashboardCookieScheme, context.Principal!, context.Properties);
            })
            .AddCookie(DashboardCookieScheme, o =>
            {
                Session(o, "medpay-dashboard", MedPayApi.DashboardPath, SameSiteMode.Strict, development);
                // Not signed in, or not an operator: the console's sign-in and its access-denied page.
                o.ForwardChallenge = CookieScheme;
                o.ForwardForbid = CookieScheme;
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
                // Every callback that does not sign in ends here (the handler would otherwise throw: a 500).
                o.Events.OnRemoteFailure = RemoteFailureAsync;
            });
        // The handler logs a failed callback itself, at Error (with the exception, or with the error and description
        // the callback carried, which anyone can send), and at Trace the whole callback address with its code and state.
        // RemoteFailureAsync logs each failure once, as a warning without them; of the handler's own lines only its
        // warnings are kept.
        authentication.Services.Configure<LoggerFilterOptions>(o =>
            o.AddFilter(typeof(OpenIdConnectHandler).FullName, level => level is LogLevel.Warning));
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
            o.AddPolicy(DashboardReaders, p => p.AddAuthenticationSchemes(AuthSetup.DefaultScheme, DashboardCookieScheme).RequireAuthenticatedUser().RequireRole(operatorRole, auditorRole));
        });
        return authentication;
    }

    /// <summary>An operator's session cookie for <paramref name="path"/> only: HttpOnly, https outside Development, 8 hours, sliding.</summary>
    private static void Session(CookieAuthenticationOptions o, string name, string path, SameSiteMode sameSite, bool development)
    {
        o.Cookie.Name = name;
        o.Cookie.Path = path;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = sameSite;
        o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        o.ExpireTimeSpan = TimeSpan.FromHours(8);
        o.SlidingExpiration = true;
    }

    /// <summary>
    /// The console's challenge (the OpenID Connect handler's, by way of the cookie's) for a browser that is not signed in:
    /// a redirect to the identity provider, or a 503 when its metadata cannot be fetched to know where that is.
    /// </summary>
    internal static async Task ChallengeAsync(HttpContext context, Func<Task> challenge)
    {
        try
        {
            await challenge();
        }
        catch (Exception e) when (IsUnreachable(e) && !context.Response.HasStarted)
        {
            var authority = context.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OidcScheme).Authority;
            await UnavailableAsync(context, e, authority);
        }
    }

    private static async Task RemoteFailureAsync(RemoteFailureContext failure)
    {
        failure.HandleResponse();
        var context = failure.HttpContext;
        if (failure.Failure is { } e && IsUnreachable(e))
        {
            await UnavailableAsync(context, e, (failure.Options as OpenIdConnectOptions)?.Authority);
            return;
        }

        // One answer whatever check failed (no state, a state not issued here, no correlation cookie, a code or an error
        // of the sender's): an attacker learns nothing from it, and a person is told how to start again. Not a redirect
        // that starts again by itself: a browser that keeps no cookie, back at an identity provider that remembers it,
        // would go round for ever.
        LogSignInFailed(Logger(context), Reason(failure.Failure));
        await Problems.WriteAsync(context, ErrorCodes.SignInFailed, $"The sign-in did not complete. Open {Path} to sign in again.");
    }

    private static Task UnavailableAsync(HttpContext context, Exception e, string? authority)
    {
        LogUnavailable(Logger(context), authority ?? "(none)", Chain(e));
        context.Response.Headers.RetryAfter = MedPayApi.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.WriteAsync(context, ErrorCodes.SignInUnavailable, "The operators' sign-in service (the identity provider) cannot be reached; try again in a moment.");
    }

    /// <summary>
    /// The identity provider did not answer: its metadata or its token endpoint could not be reached, or answered no
    /// document (the configuration manager's <see cref="IOException"/>), or not in time. Not a request body MedPay could
    /// not read (a <see cref="BadHttpRequestException"/>, which is an <see cref="IOException"/> too).
    /// </summary>
    private static bool IsUnreachable(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is BadHttpRequestException)
            {
                return false;
            }

            if (inner is HttpRequestException or TimeoutException or IOException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why a callback failed, in words that hold nothing the request sent: the handler's own fixed texts, the identity
    /// provider's error code when it is one the protocols define, otherwise the kind of failure.
    /// </summary>
    private static string Reason(Exception? failure) => failure switch
    {
        null => "no reason given",
        AuthenticationFailureException => failure.Message,
        OpenIdConnectProtocolException { Data: var data } => data["error"] is string error && ProtocolErrors.Contains(error)
            ? $"the identity provider's answer is error {error}"
            : "the identity provider's answer is an error of no defined code",
        _ => failure.GetType().Name,
    };

    /// <summary>The error codes of OAuth 2.0 (RFC 6749, 4.1.2.1 and 5.2) and OpenID Connect Core (3.1.2.6).</summary>
    private static readonly HashSet<string> ProtocolErrors = new(StringComparer.Ordinal)
    {
        "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "server_error",
        "temporarily_unavailable", "invalid_client", "invalid_grant", "unsupported_grant_type", "interaction_required",
        "login_required", "account_selection_required", "consent_required", "invalid_request_uri", "invalid_request_object",
        "request_not_supported", "request_uri_not_supported", "registration_not_supported",
    };

    /// <summary>The kinds of exception, outermost first: their messages quote addresses, documents and stack traces.</summary>
    private static string Chain(Exception e)
    {
        var kinds = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            kinds.Add(inner is HttpRequestException { HttpRequestError: var error } ? $"{inner.GetType().Name} ({error})" : inner.GetType().Name);
        }

        return string.Join(" > ", kinds);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleAuth).FullName!);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in failed: {Reason}; answered 400 signin_failed")]
    private static partial void LogSignInFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in: the identity provider at {Authority} cannot be reached ({Failure}); answered 503 signin_unavailable")]
    private static partial void LogUnavailable(ILogger logger, string authority, string failure);
}
