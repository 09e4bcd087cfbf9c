using System.Text;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace MedPay.Platform.Protocol;

/// <summary>
/// SM2 signatures with SM3 (GB/T 32918, GM/T 0009), as the national medical-insurance platform uses them: the default
/// signer identity <c>1234567812345678</c>, DER-encoded (r, s). A private key is the 32-byte scalar in hex; a public
/// key the uncompressed point <c>04‖X‖Y</c> in hex (65 bytes), the forms the platform hands out.
/// </summary>
public sealed class Sm2Key
{
    private static readonly ECDomainParameters Curve = new(GMNamedCurves.GetByName("sm2p256v1"));

    private readonly ECPrivateKeyParameters? _private;
    private readonly ECPublicKeyParameters _public;

    private Sm2Key(ECPrivateKeyParameters? privateKey, ECPublicKeyParameters publicKey)
    {
        _private = privateKey;
        _public = publicKey;
    }

    public bool CanSign => _private is not null;

    /// <summary>The public key, 04‖X‖Y in hex.</summary>
    public string PublicKeyHex => Convert.ToHexString(_public.Q.GetEncoded(false));

    public static Sm2Key Generate()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Curve, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        return new((ECPrivateKeyParameters)pair.Private, (ECPublicKeyParameters)pair.Public);
    }

    /// <summary>The private key in hex, to store in a secret store; never logged.</summary>
    public string PrivateKeyHex => _private is null ? throw new InvalidOperationException("This is a public key.") : _private.D.ToString(16).PadLeft(64, '0').ToUpperInvariant();

    public static Sm2Key FromPrivateKey(string hex)
    {
        var d = new BigInteger(1, Parse(hex, 32, "private"));
        if (d.SignValue <= 0 || d.CompareTo(Curve.N) >= 0)
        {
            throw new FormatException("The SM2 private key is out of range.");
        }

        var privateKey = new ECPrivateKeyParameters(d, Curve);
        return new(privateKey, new ECPublicKeyParameters(Curve.G.Multiply(d).Normalize(), Curve));
    }

    public static Sm2Key FromPublicKey(string hex)
    {
        var bytes = Parse(hex, 65, "public");
        try
        {
            var point = Curve.Curve.DecodePoint(bytes);
            return new(null, new ECPublicKeyParameters(point, Curve));
        }
        catch (ArgumentException e)
        {
            throw new FormatException("The SM2 public key is not a point of the curve.", e);
        }
    }

    /// <summary>Whether <paramref name="text"/> parses as a key of this kind (for options validation).</summary>
    public static bool TryParse(string? text, bool isPrivate, out string? error)
    {
        try
        {
            _ = isPrivate ? FromPrivateKey(text ?? "") : FromPublicKey(text ?? "");
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Signs the UTF-8 bytes of <paramref name="text"/>; base64 of the DER signature.</summary>
    public string Sign(string text)
    {
        if (_private is null)
        {
            throw new InvalidOperationException("This is a public key; it cannot sign.");
        }

        var signer = new SM2Signer();
        signer.Init(true, new ParametersWithRandom(_private, new SecureRandom()));
        var bytes = Encoding.UTF8.GetBytes(text);
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    public bool Verify(string text, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        var verifier = new SM2Signer();
        verifier.Init(false, _public);
        var bytes = Encoding.UTF8.GetBytes(text);
        verifier.BlockUpdate(bytes, 0, bytes.Length);
        try
        {
            return verifier.VerifySignature(der);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            return false;
        }
    }

    private static byte[] Parse(string hex, int length, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex.Trim());
        }
        catch (FormatException e)
        {
            throw new FormatException($"The SM2 {what} key is not hex.", e);
        }

        return bytes.Length == length ? bytes : throw new FormatException($"The SM2 {what} key must be {length} bytes ({length * 2} hex digits).");
    }
}
