using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// Kestrel's limits, set on purpose (<c>MedPay:Kestrel</c>): how many connections one API instance holds, how long a
/// client may take to send its headers or stay idle, how large a request line, its headers and its body may be, and
/// how slowly a body may arrive. A client that opens connections and sends nothing is dropped after
/// <see cref="RequestHeadersTimeout"/>; past <see cref="MaxConcurrentConnections"/> new connections are refused at once.
/// </summary>
public sealed class ServerLimitOptions
{
    public const string Section = "MedPay:Kestrel";

    /// <summary>Open connections at once (keep the process's file-descriptor limit above it).</summary>
    public long MaxConcurrentConnections { get; set; } = 4_096;

    /// <summary>Upgraded connections (WebSockets); MedPay serves none.</summary>
    public long MaxConcurrentUpgradedConnections { get; set; } = 16;

    /// <summary>Time to receive the request line and headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an idle connection is held open: between requests, and also a new connection that has sent nothing yet
    /// (Kestrel starts the header timeout only at the first byte), so this bounds how long a silent connection holds a
    /// slot of <see cref="MaxConcurrentConnections"/>.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxRequestHeadersTotalSize { get; set; } = 16 * 1024;

    public int MaxRequestLineSize { get; set; } = 4 * 1024;

    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>A body slower than this (bytes per second, after <see cref="MinRequestBodyGracePeriod"/>) is cut off.</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class ServerLimitOptionsValidator : IValidateOptions<ServerLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerLimitOptions o)
    {
        var failures = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                failures.Add($"{ServerLimitOptions.Section}:{message}");
            }
        }

        Require(o.MaxConcurrentConnections is >= 1 and <= 1_000_000, "MaxConcurrentConnections must be 1 to 1,000,000.");
        Require(o.MaxConcurrentUpgradedConnections is >= 0 and <= 1_000_000, "MaxConcurrentUpgradedConnections must be 0 to 1,000,000.");
        Require(o.RequestHeadersTimeout > TimeSpan.Zero && o.RequestHeadersTimeout <= TimeSpan.FromMinutes(2), "RequestHeadersTimeout must be more than zero and at most 2 minutes.");
        Require(o.KeepAliveTimeout > TimeSpan.Zero && o.KeepAliveTimeout <= TimeSpan.FromMinutes(10), "KeepAliveTimeout must be more than zero and at most 10 minutes.");
        Require(o.MaxRequestHeadersTotalSize is >= 1024 and <= 1024 * 1024, "MaxRequestHeadersTotalSize must be 1 KiB to 1 MiB.");
        Require(o.MaxRequestLineSize is >= 256 and <= 64 * 1024, "MaxRequestLineSize must be 256 bytes to 64 KiB.");
        Require(o.MaxRequestBodySize is >= 1024 and <= 64 * 1024 * 1024, "MaxRequestBodySize must be 1 KiB to 64 MiB.");
        Require(o.MinRequestBodyBytesPerSecond > 0, "MinRequestBodyBytesPerSecond must be more than zero.");
        Require(o.MinRequestBodyGracePeriod > TimeSpan.Zero && o.MinRequestBodyGracePeriod <= TimeSpan.FromMinutes(1), "MinRequestBodyGracePeriod must be more than zero and at most a minute.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
