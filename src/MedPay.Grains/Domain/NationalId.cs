using System.Globalization;
using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>The 18-character resident identity number of GB 11643: region, birth date, sequence and an ISO 7064 MOD 11-2 check character.</summary>
public static class NationalId
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    public static Failure? Validate(string? nationalId)
    {
        if (nationalId is null || nationalId.Length != 18)
        {
            return Invalid("it must be 18 characters");
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(nationalId[i]))
            {
                return Invalid("the first 17 characters must be digits");
            }
        }

        if (!DateOnly.TryParseExact(nationalId.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth)
            || birth.Year < 1900
            || birth > DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1))
        {
            return Invalid("characters 7 to 14 must be a birth date");
        }

        return CheckCharacter(nationalId.AsSpan(0, 17)) == char.ToUpperInvariant(nationalId[17])
            ? null
            : Invalid("the check character does not match");
    }

    /// <summary>The MOD 11-2 check character for the first 17 digits.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>
    /// Only the first and the last character shown, e.g. <c>3****************9</c>: neither the birth date nor the
    /// sequence (with the old mask, first 6 and last 4, the birth date was all that was left to guess).
    /// </summary>
    public static string Mask(string nationalId) => string.Concat(nationalId.AsSpan(0, 1), new string('*', 16), nationalId.AsSpan(17, 1)).ToUpperInvariant();

    /// <summary>The keyed lookup that recognises the same person again (HMAC-SHA256 under <c>MedPay:Identity:LookupKey</c>).</summary>
    public static string Lookup(string nationalId, IdentityProtector protector) => protector.Lookup("nid", nationalId.ToUpperInvariant());

    /// <summary>The city-level division of the ID's 6-digit region code: <c>330106</c> → <c>330100</c>.</summary>
    public static string CityCode(string nationalId) => string.Concat(nationalId.AsSpan(0, 4), "00");

    private static Failure Invalid(string why) => new(ErrorCodes.InvalidNationalId, $"The national ID is not valid: {why}.");
}
