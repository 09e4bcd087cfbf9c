using MedPay.Grains.Domain;
using MedPay.Grains.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>The time grains decide by. Tests replace it to move time forward.</summary>
public interface IClock
{
    DateTimeOffset UtcNow { get; }
}

public sealed class SystemClock : IClock
{
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}

/// <summary>How the payment-gateway grain talks to the platform adapters: <c>MedPay:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string Section = "MedPay:Gateway";

    /// <summary>How long one call to the platform or the cash channel may take before its outcome counts as unknown.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times an unknown outcome is queried before the settlement is left unknown.</summary>
    public int QueryAttempts { get; set; } = 3;

    /// <summary>The first pause between queries; it doubles each time, with jitter.</summary>
    public TimeSpan QueryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);
}

public static class MedPayGrainServices
{
    /// <summary>The grain storage every MedPay grain uses.</summary>
    public const string StorageName = "medpay";

    /// <summary>Registers what the grains need: policies, clock, gateway options and (unless already registered) the sandbox platform and cash channel.</summary>
    public static IServiceCollection AddMedPayGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RegionalPolicyOptions>().Bind(configuration.GetSection(RegionalPolicyOptions.Section));
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section));
        services.TryAddSingleton(sp => new RegionalPolicyCatalog(sp.GetRequiredService<IOptions<RegionalPolicyOptions>>().Value));
        services.TryAddSingleton<IClock, SystemClock>();
        services.TryAddSingleton<SandboxScript>();
        services.TryAddSingleton<IInsurancePlatform, SandboxInsurancePlatform>();
        services.TryAddSingleton<ICashChannel, SandboxCashChannel>();
        return services;
    }
}
