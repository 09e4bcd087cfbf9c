using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace MedPay.Api;

/// <summary>ASP.NET Core's forwarded headers middleware, trusting only the proxies of <see cref="TrustedProxyOptions"/>.</summary>
public static class TrustedProxies
{
    public static WebApplicationBuilder AddMedPayTrustedProxies(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<TrustedProxyOptions>, TrustedProxyOptionsValidator>();
        builder.Services.AddOptions<TrustedProxyOptions>().BindConfiguration(TrustedProxyOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, configured) =>
        {
            var o = configured.Value;
            // The middleware's own defaults trust loopback, and with both lists empty it would trust every peer: MedPay
            // trusts exactly what is configured, and nothing (no header read at all) when nothing is.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in o.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
            }

            foreach (var proxy in o.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            forwarded.ForwardedHeaders = o.Enabled ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
            forwarded.ForwardLimit = o.ForwardLimit;
        });
        return builder;
    }

    /// <summary>First in the pipeline: everything after it (HSTS, the per-address limits) sees the client's address and scheme.</summary>
    public static WebApplication UseMedPayTrustedProxies(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }
}
