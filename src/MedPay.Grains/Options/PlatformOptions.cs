using MedPay.Platform.Protocol;
using MedPay.Platform.Remote;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>
/// Which insurance platform and cash channel the silo talks to: <c>MedPay:Platform:Mode</c>. <c>Remote</c> (the default)
/// reaches them over the network with signed envelopes (<see cref="RemotePlatformOptions"/>, the same section): the
/// national platform in production, the sandbox process (<c>src/MedPay.Sandbox</c>) on a developer machine and in the
/// tests. <c>InProcess</c> runs the sandbox engine in memory inside each silo, for benchmarks of MedPay alone; it is
/// refused in Production, and a cluster of several silo processes must not use it (each silo would have its own platform).
/// </summary>
public sealed class PlatformOptions
{
    public const string Section = "MedPay:Platform";

    public const string Remote = "Remote";

    public const string InProcess = "InProcess";

    public string Mode { get; set; } = Remote;
}

public sealed class PlatformOptionsValidator(IHostEnvironment environment, IOptions<RemotePlatformOptions> remote) : IValidateOptions<PlatformOptions>
{
    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        var section = PlatformOptions.Section;
        switch (options.Mode)
        {
            case PlatformOptions.InProcess:
                return environment.IsProduction()
                    ? ValidateOptionsResult.Fail($"{section}:Mode is '{PlatformOptions.InProcess}' in the Production environment: the in-process sandbox accepts every payment.")
                    : ValidateOptionsResult.Success;
            case PlatformOptions.Remote:
                break;
            default:
                return ValidateOptionsResult.Fail($"{section}:Mode '{options.Mode}' is unknown: it is '{PlatformOptions.Remote}' or '{PlatformOptions.InProcess}'.");
        }

        var r = remote.Value;
        var failures = new List<string>();
        foreach (var (key, address) in new[] { ("BaseAddress", r.BaseAddress), ("CashBaseAddress", r.CashBaseAddress) })
        {
            if (address is null)
            {
                if (key == "BaseAddress")
                {
                    failures.Add($"{section}:BaseAddress is required: the insurance platform's address.");
                }
            }
            else if (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
            {
                failures.Add($"{section}:{key} must be an absolute http(s) address.");
            }
            else if (address.Scheme == "http" && !environment.IsDevelopment() && !address.IsLoopback)
            {
                failures.Add($"{section}:{key} must be https outside Development: payments and personal data cross this connection.");
            }
        }

        if (string.IsNullOrWhiteSpace(r.InstitutionCode) || r.InstitutionCode.Length > 30 || !r.InstitutionCode.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{section}:InstitutionCode is required: MedPay's institution code at the platform, letters and digits.");
        }

        if (!Sm2Key.TryParse(r.SigningKey, isPrivate: true, out var error))
        {
            failures.Add($"{section}:SigningKey: {error}");
        }
        else if (!environment.IsDevelopment() && string.Equals(r.SigningKey, RemotePlatformOptions.DevelopmentKeys.MedPaySigningKey, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:SigningKey is the development key, public in the repository: refused outside Development. Set MedPay__Platform__SigningKey from a secret store.");
        }

        if (!Sm2Key.TryParse(r.PlatformPublicKey, isPrivate: false, out error))
        {
            failures.Add($"{section}:PlatformPublicKey: {error}");
        }

        if (!string.IsNullOrEmpty(r.CashPublicKey) && !Sm2Key.TryParse(r.CashPublicKey, isPrivate: false, out error))
        {
            failures.Add($"{section}:CashPublicKey: {error}");
        }

        if (r.AttemptTimeout <= TimeSpan.Zero || r.BreakerSampling < r.AttemptTimeout * 2 || r.BreakerOpenFor <= TimeSpan.Zero
            || r.BreakerFailureRatio is <= 0 or > 1 || r.BreakerMinimumCalls < 2)
        {
            failures.Add($"{section}: AttemptTimeout must be positive, BreakerSampling at least twice AttemptTimeout, BreakerOpenFor positive, BreakerFailureRatio in (0, 1], BreakerMinimumCalls at least 2.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
