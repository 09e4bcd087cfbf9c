using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Data.Tables;
using MedPay.Api;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MedPay.ApiTests;

/// <summary>The API's Data Protection key ring, kept in an Azure table on the test Azurite; each test has its own table.</summary>
public sealed class DataProtectionKeysTests
{
    private static ServiceProvider Api(string table, string? certificatePath = null, string? password = null) =>
        new ServiceCollection()
            .AddLogging()
            .AddMedPayDataProtection(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MedPay:Storage:ConnectionString"] = ApiFixture.StorageConnectionString,
                ["MedPay:DataProtection:TableName"] = table,
                ["MedPay:DataProtection:CertificatePath"] = certificatePath,
                ["MedPay:DataProtection:CertificatePassword"] = password,
            }).Build())
            .BuildServiceProvider();

    private static IDataProtector Protector(IServiceProvider api) =>
        api.GetRequiredService<IDataProtectionProvider>().CreateProtector(IdempotencyMiddleware.Purpose);

    private static async Task<List<string>> StoredXmlAsync(string table)
    {
        var rows = new List<string>();
        await foreach (var entity in new TableClient(ApiFixture.StorageConnectionString, table).QueryAsync<TableEntity>())
        {
            rows.Add(entity.GetString(TableXmlRepository.XmlProperty));
        }

        return rows;
    }

    private static string NewTable() => "medpaykeys" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task The_key_ring_is_kept_in_the_table_so_another_instance_or_a_restart_reads_what_one_protected()
    {
        var table = NewTable();
        string ciphertext;
        using (var first = Api(table))
        {
            ciphertext = Protector(first).Protect("apiKey-and-webhook-secret");
        }

        using var second = Api(table);

        Assert.Equal("apiKey-and-webhook-secret", Protector(second).Unprotect(ciphertext));
        var stored = Assert.Single(await StoredXmlAsync(table));
        Assert.Contains("<key ", stored);
        // A second instance used the key it found rather than making its own.
        Protector(second).Protect("more");
        Assert.Single(await StoredXmlAsync(table));
    }

    [Fact]
    public async Task With_a_certificate_the_keys_are_encrypted_at_rest()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=MedPay data protection test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(Path.GetTempPath(), $"medpay-dp-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "test-password"));
        try
        {
            var table = NewTable();
            string ciphertext;
            using (var first = Api(table, path, "test-password"))
            {
                ciphertext = Protector(first).Protect("secret");
            }

            var stored = Assert.Single(await StoredXmlAsync(table));
            Assert.Contains("EncryptedData", stored);
            Assert.DoesNotContain("<masterKey", stored);
            using var second = Api(table, path, "test-password");
            Assert.Equal("secret", Protector(second).Unprotect(ciphertext));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("medpay-keys")]
    [InlineData("1keys")]
    [InlineData("ab")]
    public void The_table_name_is_letters_and_digits(string table) =>
        Assert.Throws<InvalidOperationException>(() => Api(table));
}
