using MedPay.Platform.Protocol;
using Microsoft.Extensions.Options;

namespace MedPay.Sandbox;

/// <summary>The sandbox process's settings: <c>Sandbox</c>.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Its own tables, on the same storage account (Azurite) as MedPay or another.</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Table names start with this: letters and digits only.</summary>
    public string TablePrefix { get; set; } = "sandbox";

    /// <summary>The sandbox's SM2 private key, hex: signs every answer.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>MedPay's SM2 public key, hex: every request must carry its signature.</summary>
    public string ClientPublicKey { get; set; } = "";

    /// <summary>The bearer key of the admin endpoint (scripting and records).</summary>
    public string AdminKey { get; set; } = "";

    /// <summary>A request whose time is further than this from the sandbox's clock is refused (a replay or a wrong clock).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        var failures = new List<string>();
        if (!Sm2Key.TryParse(options.SigningKey, isPrivate: true, out var error))
        {
            failures.Add($"Sandbox:SigningKey: {error}");
        }

        if (!Sm2Key.TryParse(options.ClientPublicKey, isPrivate: false, out error))
        {
            failures.Add($"Sandbox:ClientPublicKey: {error}");
        }

        if (options.AdminKey.Length < 16)
        {
            failures.Add("Sandbox:AdminKey must be at least 16 characters.");
        }

        if (options.TablePrefix.Length is 0 or > 40 || !options.TablePrefix.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.TablePrefix[0]))
        {
            failures.Add("Sandbox:TablePrefix must be 1 to 40 letters and digits, starting with a letter.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
