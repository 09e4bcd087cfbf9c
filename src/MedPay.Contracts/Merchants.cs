using System.Text;

namespace MedPay.Contracts;

[GenerateSerializer, Immutable, Alias("medpay.RegisterMerchantCommand")]
public sealed record RegisterMerchantCommand(
    [property: Id(0)] string Name,
    [property: Id(1)] string InstitutionCode,
    [property: Id(2)] string? CallbackUrl);

/// <summary>A registered medical service provider, without its secrets.</summary>
[GenerateSerializer, Immutable, Alias("medpay.MerchantView")]
public sealed record MerchantView(
    [property: Id(0)] string MerchantId,
    [property: Id(1)] string Name,
    [property: Id(2)] string InstitutionCode,
    [property: Id(3)] string? CallbackUrl,
    [property: Id(4)] DateTimeOffset RegisteredAt,
    [property: Id(5)] DateTimeOffset CredentialsIssuedAt);

/// <summary>
/// The merchant's credentials, shown once: the API key (MedPay keeps only its hash) and the secret that signs result
/// notifications (MedPay keeps it, to sign).
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.MerchantCredentials")]
public sealed record MerchantCredentials(
    [property: Id(0)] MerchantView Merchant,
    [property: Id(1), Secret] string ApiKey,
    [property: Id(2), Secret] string WebhookSecret)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Merchant = {Merchant}, ApiKey = {Redacted.Text}, WebhookSecret = {Redacted.Text}");
        return true;
    }
}

/// <summary>Where and how to deliver the merchant's notifications; never leaves the cluster.</summary>
[GenerateSerializer, Immutable, Alias("medpay.CallbackTarget")]
public sealed record CallbackTarget(
    [property: Id(0)] string? Url,
    [property: Id(1), Secret] string WebhookSecret)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Url = {Url}, WebhookSecret = {Redacted.Text}");
        return true;
    }
}
