using System.Globalization;
using System.Security.Claims;
using MedPay.Contracts;
using Microsoft.AspNetCore;
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
/// or the operator's account), optional <c>name</c>, <c>roles</c> (comma-separated, for operators), <c>realname=face</c>
/// (a real-name verification just now, or at <c>auth_time</c> in Unix seconds to act out an older one).
/// </para>
/// </summary>
public static class DevelopmentTokenIssuer
{
    public const string GrantType = "urn:medpay:grant-type:development";
    public const string TokenPath = "/connect/token";

    /// <summary>Registered with the issuer, so that its endpoint is mapped only where it was added.</summary>
    public sealed class Enabled;

    public static IServiceCollection AddDevelopmentTokenIssuer(this IServiceCollection services)
    {
        services.AddSingleton<Enabled>();
        services.AddOpenIddict().AddServer(server =>
        {
            server.SetTokenEndpointUris(TokenPath.TrimStart('/'));
            server.AllowCustomFlow(GrantType);
            server.AcceptAnonymousClients();
            // No database: every token request is decided by the endpoint below.
            server.EnableDegradedMode();
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (context.Request.GrantType != GrantType)
                {
                    context.Reject(Errors.UnsupportedGrantType, $"This development issuer only serves grant_type={GrantType}.");
                }

                return default;
            }));
            // Keys live as long as the process: tokens of an earlier run are refused, as after a key rotation.
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            server.DisableAccessTokenEncryption();
            server.SetAccessTokenLifetime(TimeSpan.FromHours(1));
            server.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapDevelopmentTokenIssuer(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, Issue).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Issue(HttpContext context, Microsoft.Extensions.Options.IOptions<AuthOptions> options, TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest()!;
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

        if ((string?)request["realname"] is { Length: > 0 } method)
        {
            var at = (string?)request["auth_time"] is { } given && long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? seconds
                : time.GetUtcNow().ToUnixTimeSeconds();
            identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, method));
            identity.AddClaim(new Claim(Claims.AuthenticationTime, at.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }

        identity.SetDestinations(_ => [Destinations.AccessToken]);
        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(options.Value.Audience);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(string description) => Results.Forbid(
        new Microsoft.AspNetCore.Authentication.AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidRequest,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
