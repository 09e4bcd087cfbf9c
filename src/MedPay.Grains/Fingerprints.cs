using System.Security.Cryptography;
using System.Text;

namespace MedPay.Grains;

internal static class Fingerprints
{
    public static string Of(string purpose, string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"medpay.{purpose}:{value}")));

    /// <summary>Authorization codes are kept and compared only as this hash.</summary>
    public static string AuthCode(string code) => Of("auth", code);
}
