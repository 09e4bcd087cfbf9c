using MedPay.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MedPay.Silo;

/// <summary>Where grain state and reminders live (<c>MedPay:Storage</c>), as the silo reads it in <see cref="MedPaySilo.AddMedPay"/>.</summary>
public sealed class SiloStorageOptions
{
    public const string Section = "MedPay:Storage";

    public string Provider { get; set; } = "AzureTable";

    public string? ConnectionString { get; set; }
}

/// <summary>
/// In Production the silo refuses what only suits a developer's machine: grain state in memory, the local storage
/// emulator (<c>UseDevelopmentStorage=true</c>, or no connection string at all, which means it) or its well-known account
/// key, and a cluster without mutual TLS.
/// </summary>
public sealed class SiloProductionValidator(IHostEnvironment environment, IOptions<ClusterTlsOptions> tls) : IValidateOptions<SiloStorageOptions>
{
    /// <summary>The published account key of the Azure Storage emulator (Azurite); anyone can use it.</summary>
    private const string EmulatorAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public ValidateOptionsResult Validate(string? name, SiloStorageOptions options)
    {
        var failures = new List<string>();
        if (options.Provider is not ("AzureTable" or "Memory"))
        {
            failures.Add($"{SiloStorageOptions.Section}:Provider must be AzureTable or Memory.");
        }

        if (!environment.IsProduction())
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (options.Provider == "Memory")
        {
            failures.Add($"{SiloStorageOptions.Section}:Provider is Memory in Production: every balance would be lost with the silo.");
        }

        var connection = options.ConnectionString ?? "";
        if (connection.Trim().Length == 0
            || connection.Contains("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase)
            || connection.Contains("devstoreaccount1", StringComparison.OrdinalIgnoreCase)
            || connection.Contains(EmulatorAccountKey, StringComparison.Ordinal))
        {
            failures.Add($"{SiloStorageOptions.Section}:ConnectionString is missing or points at the storage emulator (its key is public) in Production.");
        }

        if (!tls.Value.Enabled)
        {
            failures.Add($"{ClusterTlsOptions.Section}:Enabled is false in Production: silos and clients must authenticate each other.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
