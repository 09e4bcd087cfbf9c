using System.Net;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// The proxies whose forwarded headers are believed (<c>MedPay:ForwardedHeaders</c>): behind the ingress that terminates
/// TLS, <c>X-Forwarded-For</c> gives the client's address (which the per-address limits and the failed-authentication
/// lockout count) and <c>X-Forwarded-Proto</c> its scheme (https, so HSTS is sent), but only from a peer in
/// <see cref="KnownNetworks"/> or <see cref="KnownProxies"/>. With neither set, no forwarded header is trusted from anyone.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "MedPay:ForwardedHeaders";

    /// <summary>Networks of trusted proxies in CIDR notation (<c>10.0.0.0/8</c>, <c>fd00::/8</c>): the ingress controller's pods.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Addresses of single trusted proxies (<c>10.1.2.3</c>).</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>
    /// How many proxies, from the nearest, the forwarded headers are read through: 1 for an ingress alone, 2 for a load
    /// balancer in front of the ingress (then both must be known). Past a proxy that is not known nothing more is believed.
    /// </summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether any proxy is trusted at all.</summary>
    public bool Enabled => KnownNetworks.Length > 0 || KnownProxies.Length > 0;
}

public sealed class TrustedProxyOptionsValidator : IValidateOptions<TrustedProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions o)
    {
        var failures = new List<string>();
        // Only the canonical form: the parsers also take what a reader would misread (10.0.0.1/8 is taken as 10.0.0.0/8,
        // 010.0.0.0/8 as 8.0.0.0/8, 10 as 0.0.0.10), and a trusted network must be exactly the one the operator meant.
        for (var i = 0; i < o.KnownNetworks.Length; i++)
        {
            var text = o.KnownNetworks[i];
            if (!IPNetwork.TryParse(text, out var network) || !string.Equals(network.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{TrustedProxyOptions.Section}:KnownNetworks:{i} is '{text}': it must be a network in CIDR notation, its address "
                    + "written in full with no bits set past the prefix (for example 10.0.0.0/8 or fd00::/8).");
            }
        }

        for (var i = 0; i < o.KnownProxies.Length; i++)
        {
            var text = o.KnownProxies[i];
            if (!IPAddress.TryParse(text, out var address) || !string.Equals(address.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{TrustedProxyOptions.Section}:KnownProxies:{i} is '{text}': it must be one IP address written in full (for example 10.1.2.3; a network goes in KnownNetworks).");
            }
        }

        if (o.ForwardLimit is < 1 or > 10)
        {
            failures.Add($"{TrustedProxyOptions.Section}:ForwardLimit is {o.ForwardLimit}: it must be 1 to 10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
