using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Grains.Domain;

/// <summary>
/// How people's identity data is protected at rest: <c>MedPay:Identity</c>. The national ID and the full name are kept
/// encrypted (AES-256-GCM under <see cref="EncryptionKey"/>, named <see cref="EncryptionKeyId"/>) for the rare lawful
/// need, and recognised by a keyed HMAC-SHA256 under <see cref="LookupKey"/>; never by an unkeyed hash.
/// </summary>
public sealed class IdentityOptions
{
    public const string Section = "MedPay:Identity";

    /// <summary>The development keys in <c>silosettings.json</c>: accepted only in the Development environment.</summary>
    public const string DevelopmentEncryptionKey = "fxFlrExNo9tHsXKg+Bn69SopW0aP/IAo29khwN0mwlA=";

    public const string DevelopmentLookupKey = "ohi5ioCyhvM+r1/ZzhO44Ce4MbY0WQVR3h8Luu0gZIw=";

    /// <summary>The name of <see cref="EncryptionKey"/>, stored with every encrypted value: 1 to 32 of <c>A–Z a–z 0–9 . _ -</c>.</summary>
    public string? EncryptionKeyId { get; set; }

    /// <summary>Base64 of 32 random bytes: encrypts new values.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Earlier encryption keys by id (base64, 32 bytes each): still decrypt what they encrypted, never encrypt.</summary>
    public Dictionary<string, string> PreviousEncryptionKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Base64 of at least 32 random bytes: the HMAC key of the lookups that recognise a person. Changing it orphans every
    /// lookup already stored (the one-person-one-voucher records and the vouchers' own), so it is not rotated casually.
    /// </summary>
    public string? LookupKey { get; set; }
}

/// <summary>Refuses to start without well-formed keys, and with the development keys outside Development.</summary>
public sealed class IdentityOptionsValidator(IHostEnvironment environment) : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var failures = new List<string>();
        if (options.EncryptionKeyId is not { Length: >= 1 and <= 32 } id || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            failures.Add($"{IdentityOptions.Section}:EncryptionKeyId must be 1 to 32 letters, digits, '.', '_' or '-'.");
        }

        if (Decode(options.EncryptionKey) is not { Length: 32 })
        {
            failures.Add($"{IdentityOptions.Section}:EncryptionKey must be the base64 of 32 random bytes.");
        }

        foreach (var (previousId, key) in options.PreviousEncryptionKeys)
        {
            if (Decode(key) is not { Length: 32 } || previousId == options.EncryptionKeyId)
            {
                failures.Add($"{IdentityOptions.Section}:PreviousEncryptionKeys:{previousId} must be the base64 of 32 bytes, under an id other than the current one.");
            }
        }

        if (Decode(options.LookupKey) is not { Length: >= 32 })
        {
            failures.Add($"{IdentityOptions.Section}:LookupKey must be the base64 of at least 32 random bytes.");
        }
        else if (options.LookupKey == options.EncryptionKey)
        {
            failures.Add($"{IdentityOptions.Section}:LookupKey and EncryptionKey must be different keys.");
        }

        if (!environment.IsDevelopment()
            && (options.EncryptionKey == IdentityOptions.DevelopmentEncryptionKey
                || options.LookupKey == IdentityOptions.DevelopmentLookupKey
                || options.PreviousEncryptionKeys.ContainsValue(IdentityOptions.DevelopmentEncryptionKey)))
        {
            failures.Add($"{IdentityOptions.Section}: the development keys of silosettings.json are refused outside Development (environment {environment.EnvironmentName}); set keys of your own from a secret store.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
