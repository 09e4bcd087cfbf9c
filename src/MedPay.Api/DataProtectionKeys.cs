using Microsoft.Extensions.Options;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MedPay.Api;

/// <summary>
/// ASP.NET Core Data Protection for the API (<c>MedPay:DataProtection</c>): one key ring, kept in an Azure table on the
/// API's storage connection (<c>MedPay:Storage:ConnectionString</c>), so that every API instance shares it and it
/// survives restarts; application name <c>MedPay</c>. With <c>CertificatePath</c> (a PFX file) the keys are encrypted at
/// rest with that certificate, as production needs; <c>PreviousCertificatePaths</c> (comma-separated PFX files, same
/// password) still decrypt keys written under earlier certificates.
/// </summary>
public static partial class DataProtectionKeys
{
    public const string Section = "MedPay:DataProtection";
    public const string DefaultTableName = "MedPayDataProtectionKeys";
    public const string ApplicationName = "MedPay";

    public static IServiceCollection AddMedPayDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var tableName = section["TableName"] is { Length: > 0 } configured ? configured : DefaultTableName;
        if (!TableNamePattern().IsMatch(tableName))
        {
            throw new InvalidOperationException($"{Section}:TableName must be 3 to 63 letters and digits, starting with a letter.");
        }

        // Outside Development the key ring is encrypted at rest, or the API does not start.
        services.AddOptions<DataProtectionSettings>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataProtectionSettings>, DataProtectionSettingsValidator>();
        var connectionString = configuration["MedPay:Storage:ConnectionString"] is { Length: > 0 } c ? c : "UseDevelopmentStorage=true";
        var builder = services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((o, logs) =>
            o.XmlRepository = new TableXmlRepository(new TableClient(connectionString, tableName), logs.CreateLogger<TableXmlRepository>()));

        if (section["CertificatePath"] is { Length: > 0 } path)
        {
            var password = section["CertificatePassword"];
            builder.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(path, password));
            var previous = (section["PreviousCertificatePaths"] ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => X509CertificateLoader.LoadPkcs12FromFile(p, password))
                .ToArray();
            if (previous.Length > 0)
            {
                builder.UnprotectKeysWithAnyCertificate(previous);
            }
        }

        return services;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();
}

/// <summary>
/// Keeps the Data Protection key ring's XML elements in an Azure table, one entity per element (partition
/// <c>keys</c>, the element's friendly name as row key). Elements are only ever added, never overwritten.
/// Data Protection calls this synchronously, from outside any grain.
/// </summary>
public sealed class TableXmlRepository(TableClient table, ILogger<TableXmlRepository> logger) : IXmlRepository
{
    public const string Partition = "keys";
    public const string XmlProperty = "Xml";

    private volatile bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        return table.Query<TableEntity>(e => e.PartitionKey == Partition)
            .Select(e => XElement.Parse(e.GetString(XmlProperty)))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureTable();
        var xml = element.ToString(SaveOptions.DisableFormatting);
        var rowKey = IsValidRowKey(friendlyName) ? friendlyName : Guid.NewGuid().ToString("N");
        try
        {
            table.AddEntity(new TableEntity(Partition, rowKey) { [XmlProperty] = xml });
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The name is taken: keep both, never overwrite a key.
            table.AddEntity(new TableEntity(Partition, $"{rowKey}-{Guid.NewGuid():N}") { [XmlProperty] = xml });
        }

        logger.LogInformation("Stored data protection key ring element {Name} in table {Table}.", rowKey, table.Name);
    }

    private void EnsureTable()
    {
        if (!_created)
        {
            table.CreateIfNotExists();
            _created = true;
        }
    }

    private static bool IsValidRowKey(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 200 && name.All(ch => !char.IsControl(ch) && ch is not ('/' or '\\' or '#' or '?'));
}
