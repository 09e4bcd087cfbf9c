using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MedPay.Grains.Notifications;

/// <summary>
/// Signs result notifications so a merchant can tell they come from MedPay and were not changed or replayed:
/// <c>v1=</c> + hex HMAC-SHA256 over <c>"{unix seconds}." + body</c>, keyed with the merchant's callback secret.
/// </summary>
public static class CallbackSignature
{
    public const string EventIdHeader = "MedPay-Event-Id";
    public const string EventTypeHeader = "MedPay-Event-Type";
    public const string TimestampHeader = "MedPay-Timestamp";
    public const string SignatureHeader = "MedPay-Signature";

    private const string Prefix = "v1=";
    private const int HashBytes = 32;

    /// <summary>The signature header value for a body sent at <paramref name="unixSeconds"/>; the timestamp is signed so a captured request cannot be replayed later.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Span<byte> mac = stackalloc byte[HashBytes];
        Compute(secret, unixSeconds, body, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Whether the headers sign this body with this secret at a time within <paramref name="tolerance"/> of
    /// <paramref name="now"/>. Headers come from the network, so anything malformed is a plain <c>false</c>.
    /// </summary>
    public static bool Verify(
        string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(secret) || timestampHeader is null || signatureHeader is null)
            return false;
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)
            || unixSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(unixSeconds)).Duration() > tolerance)
            return false;

        var hex = signatureHeader.AsSpan();
        if (!hex.StartsWith(Prefix, StringComparison.Ordinal) || hex.Length != Prefix.Length + 2 * HashBytes)
            return false;
        Span<byte> claimed = stackalloc byte[HashBytes];
        if (Convert.FromHexString(hex[Prefix.Length..], claimed, out _, out var written) != OperationStatus.Done || written != HashBytes)
            return false;

        Span<byte> expected = stackalloc byte[HashBytes];
        Compute(secret, unixSeconds, body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, claimed);
    }

    private static void Compute(string secret, long unixSeconds, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "."));
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}
