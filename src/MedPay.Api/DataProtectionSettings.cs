using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>What start-up checks of <c>MedPay:DataProtection</c>.</summary>
public sealed class DataProtectionSettings
{
    public string? CertificatePath { get; set; }
}

/// <summary>Outside Development the Data Protection key ring must be encrypted at rest with a certificate.</summary>
public sealed class DataProtectionSettingsValidator(IHostEnvironment environment) : IValidateOptions<DataProtectionSettings>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionSettings options) =>
        environment.IsDevelopment() || !string.IsNullOrEmpty(options.CertificatePath)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{DataProtectionKeys.Section}:CertificatePath is required outside Development (environment {environment.EnvironmentName}): the key ring that encrypts stored responses must itself be encrypted at rest.");
}
