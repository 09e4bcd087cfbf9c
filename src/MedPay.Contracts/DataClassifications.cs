using Microsoft.Extensions.Compliance.Classification;

namespace MedPay.Contracts;

/// <summary>
/// MedPay's data classes. Logging redacts what carries them (Microsoft.Extensions.Compliance.Redaction): a log line keeps
/// its shape and its ids of orders and settlements, never the value of a classified property.
/// </summary>
public static class MedPayData
{
    public const string Taxonomy = "MedPay";

    /// <summary>What identifies a person: user id, national ID, name.</summary>
    public static DataClassification PersonalData { get; } = new(Taxonomy, nameof(PersonalData));

    /// <summary>What grants something: consent codes, API keys, webhook secrets, free text an operator typed.</summary>
    public static DataClassification Secret { get; } = new(Taxonomy, nameof(Secret));
}

[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PersonalDataAttribute() : DataClassificationAttribute(MedPayData.PersonalData);

[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecretAttribute() : DataClassificationAttribute(MedPayData.Secret);
