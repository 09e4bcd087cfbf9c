using MedPay.Contracts;

namespace MedPay.UnitTests;

/// <summary>Records that carry secrets may be logged by the runtime; their ToString must not show them.</summary>
public sealed class RedactionTests
{
    private const string NationalId = "11010519491231002X";
    private const string AuthCode = "ACSECRETSECRETSECRET123456";

    [Fact]
    public void Records_that_carry_secrets_print_without_them()
    {
        object[] records =
        [
            new OpenVoucherCommand("张三丰", NationalId, "330100", InsuranceType.Employee),
            new AuthorizationGrant(AuthCode, "m-1", 100, "RX-1", DateTimeOffset.UnixEpoch),
            new ReserveCommand("m-1~RX-1", "m-1", "RX-1", AuthCode, "m-1~RX-1~1", [], null),
            new PayOrderCommand(AuthCode, 0),
        ];

        Assert.All(records, record =>
        {
            var text = record.ToString()!;
            Assert.DoesNotContain(NationalId, text);
            Assert.DoesNotContain(AuthCode, text);
            Assert.DoesNotContain("张三丰", text);
            Assert.Contains(Redacted.Text, text);
        });
    }

    [Fact]
    public void Redacted_records_still_compare_by_value()
    {
        Assert.Equal(new PayOrderCommand(AuthCode, 1), new PayOrderCommand(AuthCode, 1));
        Assert.NotEqual(new PayOrderCommand(AuthCode, 1), new PayOrderCommand(AuthCode + "X", 1));
    }

    /// <summary>
    /// Every contract member that carries a person's identity or a secret is classified, so that logging redacts it
    /// (Microsoft.Extensions.Compliance.Redaction); the ToString redaction above stays for what the runtime prints.
    /// </summary>
    [Fact]
    public void Every_contract_member_that_carries_personal_data_or_a_secret_is_classified()
    {
        var personal = new[] { "FullName", "NationalId" };
        var secret = new[] { "AuthCode", "ApiKey", "WebhookSecret" };
        var unclassified = typeof(OpenVoucherCommand).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties().Select(p => (Type: t, Property: p)))
            .Where(x => x.Property.PropertyType == typeof(string) && (personal.Contains(x.Property.Name) || secret.Contains(x.Property.Name)))
            .Where(x => !x.Property.GetCustomAttributes(typeof(Microsoft.Extensions.Compliance.Classification.DataClassificationAttribute), true)
                .Cast<Microsoft.Extensions.Compliance.Classification.DataClassificationAttribute>()
                .Any(a => a.Classification == (personal.Contains(x.Property.Name) ? MedPayData.PersonalData : MedPayData.Secret)))
            .Select(x => $"{x.Type.Name}.{x.Property.Name}")
            .ToList();
        Assert.True(unclassified.Count == 0, "not classified: " + string.Join(", ", unclassified));
    }
}
