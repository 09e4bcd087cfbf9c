namespace MedPay.Contracts;

/// <summary>What a record's ToString shows in place of a secret (an authorization code, a national ID, a name).</summary>
public static class Redacted
{
    public const string Text = "***";
}
