using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MedPay.Grains.Domain;

/// <summary>What a consent code says, once its signature is verified.</summary>
public sealed record ConsentClaims(DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, long MaxAmountFen, ulong MerchantHash, ulong? OrderHash)
{
    public bool IsFor(string merchantId) => MerchantHash == ConsentToken.Hash("merchant", merchantId);

    /// <summary>A consent bound to an order number allows only that order; one without allows any of the merchant's orders.</summary>
    public bool Allows(string merchantOrderNo) => OrderHash is not { } bound || bound == ConsentToken.Hash("order", merchantOrderNo);
}

/// <summary>
/// A consent as a self-contained code: what the user allowed (the merchant, optionally one order number, an amount cap,
/// a validity) and when, authenticated with HMAC-SHA256 under the voucher's own key and bound to the user. Authorizing
/// therefore writes nothing and a consent cannot be lost; the voucher remembers only the codes that were used, until
/// they expire. Layout (50 bytes, 80 characters of base 32 after "AC"): version and flags 1, issued-at seconds since
/// 2024 4, validity minutes 1, amount cap 6, nonce 6, merchant hash 8, order-number hash 8, MAC 16. The hashes are
/// covered by the MAC; they only let the voucher say "another merchant" or "another order" rather than "unknown".
/// </summary>
public static class ConsentToken
{
    public const string Prefix = "AC";
    public const int Length = 82;

    /// <summary>No I, O, 0 or 1: a code read aloud or copied by hand is not misread.</summary>
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const byte Version = 1;
    private const byte HasOrder = 0x80;
    private const int PayloadLength = 34;
    private const int MacLength = 16;
    private const long MaxAmount = (1L << 48) - 1;
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A new consent code; <paramref name="issuedAt"/> counts to the second, and so does the expiry derived from it.</summary>
    public static (string Code, DateTimeOffset ExpiresAt) Issue(
        ReadOnlySpan<byte> key, string userId, string merchantId, string? merchantOrderNo, long maxAmountFen, DateTimeOffset issuedAt, int validForMinutes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(validForMinutes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validForMinutes, byte.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(maxAmountFen);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxAmountFen, MaxAmount);
        var seconds = checked((uint)(long)(issuedAt - Epoch).TotalSeconds);

        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = (byte)(Version | (merchantOrderNo is null ? 0 : HasOrder));
        BinaryPrimitives.WriteUInt32BigEndian(token[1..], seconds);
        token[5] = (byte)validForMinutes;
        WriteUInt48(token[6..], (ulong)maxAmountFen);
        RandomNumberGenerator.Fill(token.Slice(12, 6));
        BinaryPrimitives.WriteUInt64BigEndian(token[18..], Hash("merchant", merchantId));
        BinaryPrimitives.WriteUInt64BigEndian(token[26..], merchantOrderNo is null ? 0 : Hash("order", merchantOrderNo));
        Mac(key, userId, token[..PayloadLength], token[PayloadLength..]);

        var issued = Epoch.AddSeconds(seconds);
        return (Prefix + Encode(token), issued.AddMinutes(validForMinutes));
    }

    /// <summary>The claims of a code issued under <paramref name="key"/> to <paramref name="userId"/>; null for anything else.</summary>
    public static ConsentClaims? Read(ReadOnlySpan<byte> key, string userId, string? code)
    {
        if (code is null || code.Length != Length || !code.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        if (!Decode(code.AsSpan(Prefix.Length), token) || (token[0] & ~HasOrder) != Version)
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(key, userId, token[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token[PayloadLength..]))
        {
            return null;
        }

        var issued = Epoch.AddSeconds(BinaryPrimitives.ReadUInt32BigEndian(token[1..]));
        return new ConsentClaims(
            issued,
            issued.AddMinutes(token[5]),
            (long)ReadUInt48(token[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(token[18..]),
            (token[0] & HasOrder) == 0 ? null : BinaryPrimitives.ReadUInt64BigEndian(token[26..]));
    }

    internal static ulong Hash(string purpose, string value) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}:{value}")));

    private static void Mac(ReadOnlySpan<byte> key, string userId, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        var user = Encoding.UTF8.GetBytes(userId);
        var message = new byte[user.Length + 1 + payload.Length];
        user.CopyTo(message, 0);
        payload.CopyTo(message.AsSpan(user.Length + 1));
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, full);
        full[..mac.Length].CopyTo(mac);
    }

    private static void WriteUInt48(Span<byte> to, ulong value)
    {
        for (var i = 5; i >= 0; i--, value >>= 8)
        {
            to[i] = (byte)value;
        }
    }

    private static ulong ReadUInt48(ReadOnlySpan<byte> from)
    {
        ulong value = 0;
        for (var i = 0; i < 6; i++)
        {
            value = (value << 8) | from[i];
        }

        return value;
    }

    /// <summary>Base 32, five bits a character, most significant first; 50 bytes make exactly 80 characters.</summary>
    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 8 / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = ((buffer << 8) | b) & 0xFFFFF;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }

        return text.ToString();
    }

    private static bool Decode(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        int buffer = 0, bits = 0, written = 0;
        foreach (var c in text)
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                return false;
            }

            buffer = ((buffer << 5) | value) & 0xFFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes[written++] = (byte)(buffer >> bits);
            }
        }

        return written == bytes.Length;
    }
}
