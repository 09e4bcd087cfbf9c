using System.Globalization;
using System.Security.Claims;
using MedPay.Contracts;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace MedPay.Api;

/// <summary>
/// Development only: an embedded OpenID Connect server (OpenIddict) standing in for the users' identity provider, its
/// face check, and the operators' directory, so that the run command and the tests need nothing outside the machine and
/// validate tokens exactly as production does (metadata and signing keys fetched from the authority). Anyone who reaches
/// it gets any token: it is never registered outside the Development environment.
/// <para>
/// <c>POST /connect/token</c>, form fields: <c>grant_type=urn:medpay:grant-type:development</c>, <c>sub</c> (the user id
/// or the operator's account), optional <c>name</c>, <c>roles</c> (comma-separated, for operators), and for a person the
/// identity provider verifies: <c>realname=face</c> with <c>full_name</c> and <c>national_id</c> (a face check of that
/// person just now, or at <c>auth_time</c> in Unix seconds to act out an older one). The token then carries the person as
/// OpenID Connect for Identity Assurance <c>verified_claims</c> (see <see cref="VerifiedPerson"/>). A real identity
/// provider verifies the face against the photo record of that ID; this one believes what it is told. A
/// <c>medpay_merchant_id</c> field puts a claim of that name in the token, as a careless provider might: MedPay ignores it.
/// </para>
/// </summary>
public static class DevelopmentTokenIssuer
{
    public const string GrantType = "urn:medpay:grant-type:development";
    public const string TokenPath = "/connect/token";
    public const string AuthorizePath = "/connect/authorize";

    /// <summary>Registered with the issuer, so that its endpoint is mapped only where it was added.</summary>
    public sealed class Enabled;

    public static IServiceCollection AddDevelopmentTokenIssuer(this IServiceCollection services)
    {
        services.AddSingleton<Enabled>();
        // OpenIddict logs every token request whole at Information: the verified person's name and national ID with it.
        // Nothing of the person may reach a log, so the issuer's dispatcher speaks only of warnings and errors.
        services.AddLogging(logging => logging.AddFilter("OpenIddict.Server", LogLevel.Warning));
        services.AddOpenIddict().AddServer(server =>
        {
            server.SetTokenEndpointUris(TokenPath.TrimStart('/'));
            server.SetAuthorizationEndpointUris(AuthorizePath.TrimStart('/'));
            server.AllowCustomFlow(GrantType);
            // The operator console signs in with the authorization code flow and PKCE (ConsoleAuth), as it would at the
            // operators' real identity provider; here a development form stands in for that provider's sign-in page.
            server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Roles);
            server.AcceptAnonymousClients();
            // No database: every token request is decided by the endpoint below.
            server.EnableDegradedMode();
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (context.Request.GrantType != GrantType && !context.Request.IsAuthorizationCodeGrantType())
                {
                    context.Reject(Errors.UnsupportedGrantType, $"This development issuer only serves grant_type={GrantType} and the console's authorization code.");
                }
                else if (context.Request.IsAuthorizationCodeGrantType() && context.ClientId != ConsoleAuth.DevelopmentClientId)
                {
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                }

                return default;
            }));
            // Degraded mode keeps no client registry: the one client, the console, and its callback on this API are checked here.
            server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (context.ClientId != ConsoleAuth.DevelopmentClientId)
                {
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                }
                else if (!Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var redirect) || redirect.AbsolutePath != ConsoleAuth.CallbackPath
                    || context.Options.Issuer is not { } issuer || redirect.Authority != issuer.Authority)
                {
                    context.Reject(Errors.InvalidRequest, "The redirect_uri is not the console's.");
                }

                return default;
            }));
            // Keys live as long as the process: tokens of an earlier run are refused, as after a key rotation.
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            server.DisableAccessTokenEncryption();
            server.SetAccessTokenLifetime(TimeSpan.FromHours(1));
            server.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2));
            server.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapDevelopmentTokenIssuer(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, IssueAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods(AuthorizePath, ["GET", "POST"], Authorize).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The development sign-in page of the console's authorization code flow: GET shows a form for the account, name and
    /// roles (anyone gets anything: development only); POST with them issues the code.
    /// </summary>
    private static IResult Authorize(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()!;
        var account = (string?)request["account"];
        if (!HttpMethods.IsPost(context.Request.Method) || !Ids.IsValid(account))
        {
            var hidden = string.Concat(request.GetParameters()
                .Where(p => p.Key is not ("account" or "name" or "roles"))
                .Select(p => $"<input type=\"hidden\" name=\"{Enc(p.Key)}\" value=\"{Enc((string?)p.Value)}\">"));
            return Results.Content($$"""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>MedPay development sign-in</title>
                <link rel="stylesheet" href="/console/console.css"></head>
                <body class="signin"><main><h1>MedPay</h1><p class="muted">Development sign-in: it stands in for the operators' identity provider and trusts what you type.</p>
                <form method="post" action="{{AuthorizePath}}">{{hidden}}
                <label>Account <input name="account" id="account" autocomplete="username" required pattern="[A-Za-z0-9_-]{1,64}" value="olga"></label>
                <label>Name <input name="name" id="name" value="Olga Operator"></label>
                <label>Roles <input name="roles" id="roles" value="operator"></label>
                <button type="submit" id="signin">Sign in</button></form></main></body></html>
                """, "text/html; charset=utf-8");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, account!));
        identity.AddClaim(new Claim(Claims.Name, (string?)request["name"] is { Length: > 0 and <= 100 } name ? name : account!));
        foreach (var role in ((string?)request["roles"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            identity.AddClaim(new Claim(Claims.Role, role));
        }

        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static string Enc(string? value) => System.Net.WebUtility.HtmlEncode(value ?? "");

    private static async Task<IResult> IssueAsync(HttpContext context, Microsoft.Extensions.Options.IOptions<AuthOptions> options, TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest()!;
        if (request.IsAuthorizationCodeGrantType())
        {
            // The code carries the identity signed in on the form above; OpenIddict has checked it, its PKCE verifier and its client.
            var signedIn = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return Results.SignIn(signedIn.Principal!, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Issue(context, request, options, time);
    }

    private static IResult Issue(HttpContext context, OpenIddictRequest request, Microsoft.Extensions.Options.IOptions<AuthOptions> options, TimeProvider time)
    {
        var subject = (string?)request["sub"];
        if (!Ids.IsValid(subject))
        {
            return Refuse("sub must be 1 to 64 letters, digits, '_' or '-'.");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, subject!));
        identity.AddClaim(new Claim(Claims.Name, (string?)request["name"] is { Length: > 0 and <= 100 } name ? name : subject!));
        foreach (var role in ((string?)request["roles"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            identity.AddClaim(new Claim(Claims.Role, role));
        }

        if ((string?)request[Callers.MerchantIdClaim] is { Length: > 0 } namedMerchant)
        {
            // To act out an identity provider that puts a claim of that name in a person's token: MedPay ignores it
            // (a merchant is only who the merchant credential authenticates).
            identity.AddClaim(new Claim(Callers.MerchantIdClaim, namedMerchant));
        }

        var fullName = (string?)request["full_name"];
        var nationalId = (string?)request["national_id"];
        if ((string?)request["realname"] is { Length: > 0 } method)
        {
            var at = (string?)request["auth_time"] is { } given && long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? Math.Min(seconds, DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                : time.GetUtcNow().ToUnixTimeSeconds();
            identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, method));
            identity.AddClaim(new Claim(Claims.AuthenticationTime, at.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
            if (fullName is { Length: > 0 } || nationalId is { Length: > 0 })
            {
                if (fullName is not { Length: > 0 and <= 100 } || nationalId is not { Length: > 0 and <= 64 })
                {
                    return Refuse("A verified person needs both full_name (at most 100 characters) and national_id (at most 64).");
                }

                identity.AddClaim(new Claim(VerifiedPerson.ClaimType, VerifiedClaimsJson(fullName, nationalId, DateTimeOffset.FromUnixTimeSeconds(at), method), JsonClaimValueTypes.Json));
            }
        }
        else if (fullName is not null || nationalId is not null)
        {
            return Refuse("full_name and national_id are verified only with realname (a face check).");
        }

        identity.SetDestinations(_ => [Destinations.AccessToken]);
        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(options.Value.Audience);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// The person as an Identity Assurance <c>verified_claims</c> object: a face check (<c>bvr</c>, biometric
    /// verification, remote) of the person against the electronic record of their resident ID, at <paramref name="at"/>.
    /// </summary>
    private static string VerifiedClaimsJson(string fullName, string nationalId, DateTimeOffset at, string method) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["verification"] = new Dictionary<string, object>
            {
                ["trust_framework"] = "medpay_development",
                ["time"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["evidence"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["type"] = "electronic_record",
                        ["check_details"] = new[] { new Dictionary<string, string> { ["check_method"] = method == "face" ? "bvr" : method } },
                        ["record"] = new Dictionary<string, string> { ["type"] = "resident_identity_card" },
                    },
                },
            },
            ["claims"] = new Dictionary<string, string> { ["name"] = fullName, [VerifiedPerson.NationalIdClaim] = nationalId },
        });

    private static IResult Refuse(string description) => Results.Forbid(
        new Microsoft.AspNetCore.Authentication.AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidRequest,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
