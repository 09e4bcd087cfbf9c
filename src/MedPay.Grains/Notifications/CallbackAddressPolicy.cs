using System.Net;
using System.Net.Sockets;

namespace MedPay.Grains.Notifications;

/// <summary>
/// Where result notifications may go: https only outside Development, and only to public addresses (never private,
/// loopback, link-local such as the cloud metadata address 169.254.169.254, unspecified or multicast ones), so that a
/// callback URL cannot make MedPay reach into its own network. Checked when the address is registered or changed
/// (<see cref="Check"/>, literal addresses and "localhost") and again for every connection
/// (<see cref="HttpCallbackSender.CreateHandler"/> resolves the name and checks every address it would connect to, so a
/// name that later resolves to a private address — DNS rebinding — is refused too). Hosts, addresses and CIDR ranges
/// on the allow-list (<see cref="NotificationOptions.AllowedCallbackHosts"/>, for tests and development) pass the
/// address check; the scheme rule still applies.
/// </summary>
public sealed class CallbackAddressPolicy
{
    /// <summary>What a refused notification records: it says nothing about what the name resolved to or which port answered.</summary>
    public const string RefusedError = "the callback address is not allowed";

    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(IPAddress Network, int PrefixLength)> _ranges = [];

    public CallbackAddressPolicy(IEnumerable<string>? allowed, bool isDevelopment)
    {
        IsDevelopment = isDevelopment;
        foreach (var entry in (allowed ?? []).Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                _ranges.Add((network.BaseAddress, network.PrefixLength));
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                _ranges.Add((address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32));
            }
            else
            {
                _hosts.Add(entry.TrimEnd('.'));
            }
        }
    }

    public bool IsDevelopment { get; }

    /// <summary>Plain http only in Development; https everywhere else.</summary>
    public bool SchemeAllowed(Uri url) => url.Scheme == Uri.UriSchemeHttps || (IsDevelopment && url.Scheme == Uri.UriSchemeHttp);

    /// <summary>At registration and change: null when the URL may be stored, else why not (without resolving names: that is done at each send).</summary>
    public string? Check(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url.Length > 500 || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "callbackUrl must be an absolute https address, at most 500 characters.";
        }

        if (!SchemeAllowed(uri))
        {
            return "callbackUrl must be an https address.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "callbackUrl must not carry a user name or password.";
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (_hosts.Contains(host))
        {
            return null;
        }

        if (IPAddress.TryParse(uri.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address))
        {
            return AddressAllowed(host, address) ? null : "callbackUrl must be a public address (not private, loopback, link-local or multicast).";
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? "callbackUrl must be a public address (not private, loopback, link-local or multicast)."
            : null;
    }

    /// <summary>Whether a connection to <paramref name="address"/> (which <paramref name="host"/> resolved to) may be made.</summary>
    public bool AddressAllowed(string host, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_hosts.Contains(host.TrimEnd('.')))
        {
            return true;
        }

        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _ranges.Any(r => new IPNetwork(r.Network, r.PrefixLength).Contains(candidate)) || !IsForbidden(candidate);
    }

    /// <summary>Private, loopback, link-local, unspecified, multicast, broadcast and other non-public addresses.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0                                   // 0/8 "this network"
                || b[0] == 10                                  // 10/8
                || b[0] == 127                                 // 127/8
                || (b[0] == 100 && b[1] is >= 64 and <= 127)   // 100.64/10 carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                // 169.254/16 link-local, cloud metadata
                || (b[0] == 172 && b[1] is >= 16 and <= 31)    // 172.16/12
                || (b[0] == 192 && b[1] == 168)                // 192.168/16
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)     // 192.0.0/24 protocol assignments
                || (b[0] == 198 && b[1] is 18 or 19)           // 198.18/15 benchmarking
                || b[0] >= 224;                                // multicast 224/4 and reserved 240/4
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal                     // fe80::/10
                || address.IsIPv6SiteLocal                     // fec0::/10
                || address.IsIPv6Multicast                     // ff00::/8
                || (b[0] & 0xfe) == 0xfc                       // fc00::/7 unique local
                || address.IsIPv4MappedToIPv6
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // 2001:db8::/32 documentation
                || (b[0] == 0x00 && b.Take(12).All(x => x == 0)); // ::/96 IPv4-compatible, ::, ::1
        }

        return true;
    }
}

/// <summary>A connection the <see cref="CallbackAddressPolicy"/> refused; thrown before any socket is opened.</summary>
public sealed class CallbackAddressRefusedException() : Exception(CallbackAddressPolicy.RefusedError);
