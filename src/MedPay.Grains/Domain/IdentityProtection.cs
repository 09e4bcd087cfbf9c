using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Grains.Domain;

/// <summary>A value encrypted with AES-256-GCM: the id of the key, then nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).</summary>
[GenerateSerializer, Immutable, Alias("medpay.SealedValue")]
public sealed record SealedValue(
    [property: Id(0)] string KeyId,
    [property: Id(1)] byte[] Data);

/// <summary>Encrypts identity data and computes its keyed lookups (see <see cref="IdentityOptions"/>).</summary>
public sealed class IdentityProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly string _keyId;
    private readonly byte[] _key;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly byte[] _lookupKey;

    public IdentityProtector(IOptions<IdentityOptions> options)
        : this(options.Value)
    {
    }

    public IdentityProtector(IdentityOptions options)
    {
        _keyId = options.EncryptionKeyId ?? throw new InvalidOperationException($"{IdentityOptions.Section}:EncryptionKeyId is not set.");
        _key = IdentityOptionsValidator.Decode(options.EncryptionKey) is { Length: 32 } key
            ? key
            : throw new InvalidOperationException($"{IdentityOptions.Section}:EncryptionKey must be the base64 of 32 bytes.");
        _lookupKey = IdentityOptionsValidator.Decode(options.LookupKey) is { Length: >= 32 } lookup
            ? lookup
            : throw new InvalidOperationException($"{IdentityOptions.Section}:LookupKey must be the base64 of at least 32 bytes.");
        foreach (var (id, previous) in options.PreviousEncryptionKeys)
        {
            if (IdentityOptionsValidator.Decode(previous) is { Length: 32 } bytes)
            {
                _keys[id] = bytes;
            }
        }

        _keys[_keyId] = _key;
    }

    /// <summary>The keyed HMAC-SHA256 of a value, for recognising it again: lowercase hex, 64 characters.</summary>
    public string Lookup(string purpose, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes($"medpay.{purpose}:{value}")));

    /// <summary>Encrypts <paramref name="plaintext"/> under the current key, bound to <paramref name="context"/> (it must be given again to decrypt).</summary>
    public SealedValue Seal(string plaintext, string context)
    {
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var data = new byte[NonceSize + clear.Length + TagSize];
        var nonce = data.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, clear, data.AsSpan(NonceSize, clear.Length), data.AsSpan(NonceSize + clear.Length), Context(_keyId, context));
        return new SealedValue(_keyId, data);
    }

    /// <summary>Decrypts a sealed value; a changed byte, another context or an unknown key id throws <see cref="CryptographicException"/>.</summary>
    public string Unseal(SealedValue sealedValue, string context)
    {
        if (!_keys.TryGetValue(sealedValue.KeyId, out var key))
        {
            throw new CryptographicException($"No encryption key with id '{sealedValue.KeyId}' is configured.");
        }

        var data = sealedValue.Data;
        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed value is too short.");
        }

        var clear = new byte[data.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, clear.Length), data.AsSpan(NonceSize + clear.Length), clear, Context(sealedValue.KeyId, context));
        return Encoding.UTF8.GetString(clear);
    }

    private static byte[] Context(string keyId, string context) => Encoding.UTF8.GetBytes($"medpay.sealed:{keyId}:{context}");
}
