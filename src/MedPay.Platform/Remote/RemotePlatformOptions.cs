namespace MedPay.Platform.Remote;

/// <summary>
/// Where and how MedPay reaches the insurance platform and the cash channel over the network: <c>MedPay:Platform</c>.
/// Keys are hex (see <see cref="Protocol.Sm2Key"/>); the signing key is a secret (environment or secret store).
/// </summary>
public sealed class RemotePlatformOptions
{
    public const string Section = "MedPay:Platform";

    /// <summary>The insurance platform's mobile-payment interface, e.g. <c>https://mip.example.gov.cn/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The cash channel; the platform's address when not set (the sandbox serves both).</summary>
    public Uri? CashBaseAddress { get; set; }

    /// <summary>MedPay's institution code at the platform (<c>fixmedins_code</c>).</summary>
    public string InstitutionCode { get; set; } = "";

    /// <summary>The insured region sent when a transaction names none (queries, statements).</summary>
    public string DefaultRegion { get; set; } = "";

    /// <summary>MedPay's SM2 private key, hex: signs every request.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>The platform's SM2 public key, hex: every answer must carry its signature.</summary>
    public string PlatformPublicKey { get; set; } = "";

    /// <summary>The cash channel's SM2 public key; the platform's when not set.</summary>
    public string CashPublicKey { get; set; } = "";

    /// <summary>How long one HTTP attempt may take before its outcome is unknown.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The circuit breaker opens when this share of calls fails within <see cref="BreakerSampling"/>.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumCalls { get; set; } = 20;

    public TimeSpan BreakerSampling { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The development key pairs (also in the development settings): refused outside Development.</summary>
    public static class DevelopmentKeys
    {
        public const string MedPaySigningKey = "BD241D0BA359C7BBAE81F7BB5ECA085F228D3EB0EC5F52FC469DB0FFBD89DFE8";
        public const string MedPayPublicKey = "04E1EEE7CF70BBFF4BC355D9FA7EE2C2F46B36F6B2A03E8999B824CF03B92F860C2B40342541732D1F3A39ADFCB8A6DE4BE2D2F9CFBDD748C17BB035203423EB7A";
        public const string SandboxSigningKey = "5825E11169957E9FF466B19534A9B91D5C88F51F2F43E2E8AD37E48438F093B1";
        public const string SandboxPublicKey = "04645C542C256F026F593C47738FE1722CAC24ED44C53E62ADC4968B26C6C5EE11857F8CAFD3C35D19932AB6B4FE576DEF2019649F48225A946E4EFF0EC23667D8";
    }
}
