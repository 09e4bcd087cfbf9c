using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace MedPay.Api;

/// <summary>
/// Authentication: one default scheme that forwards a JWT to the bearer-token handler (users and operators, validated
/// against the authority's metadata and keys) and a merchant credential to <see cref="MerchantKeyHandler"/>.
/// </summary>
public static class AuthSetup
{
    public const string DefaultScheme = "MedPay";

    public static WebApplicationBuilder AddMedPayAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        var development = builder.Environment.IsDevelopment()
            && builder.Configuration.GetSection(AuthOptions.Section).GetValue<bool>(nameof(AuthOptions.DevelopmentIssuer));

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "A person's token, or a merchant's credential", o => o.ForwardDefaultSelector = context =>
                MerchantKeyHandler.Credential(context.Request) is null ? JwtBearerDefaults.AuthenticationScheme : MerchantKeyHandler.SchemeName)
            .AddJwtBearer(o =>
            {
                // Claims keep their OpenID Connect names (sub, role, amr, auth_time).
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = Callers.NameClaim;
                o.TokenValidationParameters.RoleClaimType = Callers.RoleClaim;
                o.RequireHttpsMetadata = !development;
            })
            .AddScheme<AuthenticationSchemeOptions, MerchantKeyHandler>(MerchantKeyHandler.SchemeName, null)
            .AddMedPayConsole(development);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>, IServer>((o, auth, server) =>
        {
            o.Audience = auth.Value.Audience;
            o.Authority = auth.Value.Authority ?? (development ? OwnAddress(server) : null);
        });

        if (development)
        {
            services.AddDevelopmentTokenIssuer();
            services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<AuthOptions>, IServer>((o, auth, server) =>
            {
                var issuer = auth.Value.Authority ?? OwnAddress(server);
                o.Issuer ??= issuer is null ? null : new Uri(issuer);
            });
        }

        services.AddMedPayAuthorization();
        return builder;
    }

    public static WebApplication UseMedPayAuth(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        if (app.Environment.IsDevelopment() && app.Services.GetService<DevelopmentTokenIssuer.Enabled>() is not null)
        {
            app.MapDevelopmentTokenIssuer();
        }

        return app;
    }

    /// <summary>In Development with the embedded issuer: the API's own address, as its clients reach it on this machine.</summary>
    internal static string? OwnAddress(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1"), UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
        return new UriBuilder(uri.Scheme, host, uri.Port, "/").Uri.ToString();
    }
}
