using MedPay.Grains.Domain;
using MedPay.Grains.Notifications;
using MedPay.Platform;
using MedPay.Platform.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

public static class MedPayGrainServices
{
    /// <summary>The grain storage every MedPay grain uses.</summary>
    public const string StorageName = "medpay";

    /// <summary>Registers what the grains need: policies, clock, gateway options and (unless already registered) the insurance platform and cash channel of MedPay:Platform:Mode.</summary>
    public static IServiceCollection AddMedPayGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMedPayRedaction();
        services.AddMetrics();
        services.TryAddSingleton<MedPayMetrics>();
        // Every setting is checked when the silo starts: a bad one stops it with a message, not a 500 later.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegionalPolicyOptions>, RegionalPolicyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlatformOptions>, PlatformOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentGatewayOptions>, PaymentGatewayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecoveryOptions>, RecoveryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdempotencyOptions>, IdempotencyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderOptions>, OrderOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.AddOptions<RegionalPolicyOptions>().Bind(configuration.GetSection(RegionalPolicyOptions.Section)).ValidateOnStart();
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.Section)).ValidateOnStart();
        services.AddOptions<PaymentGatewayOptions>().Bind(configuration.GetSection(PaymentGatewayOptions.Section)).ValidateOnStart();
        services.AddOptions<RecoveryOptions>().Bind(configuration.GetSection(RecoveryOptions.Section)).ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section)).ValidateOnStart();
        services.AddOptions<OrderOptions>().Bind(configuration.GetSection(OrderOptions.Section)).ValidateOnStart();
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.TryAddSingleton(sp => new CallbackAddressPolicy(
            sp.GetRequiredService<IOptions<NotificationOptions>>().Value.AllowedCallbackHosts,
            sp.GetService<IHostEnvironment>()?.IsDevelopment() ?? false));
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection(IdentityOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>());
        services.TryAddSingleton<IdentityProtector>();
        // Signatures carry wall-clock time: receivers check it against theirs.
        services.TryAddSingleton<ICallbackSender>(sp => new HttpCallbackSender(
            new HttpClient(HttpCallbackSender.CreateHandler(sp.GetRequiredService<CallbackAddressPolicy>())) { Timeout = sp.GetRequiredService<IOptions<NotificationOptions>>().Value.CallTimeout },
            TimeProvider.System,
            sp.GetRequiredService<CallbackAddressPolicy>()));
        services.TryAddSingleton<IPaymentFlowHooks, NoFlowHooks>();
        services.TryAddSingleton<PlatformExchange>();
        services.TryAddSingleton(sp => new RegionalPolicyCatalog(sp.GetRequiredService<IOptions<RegionalPolicyOptions>>().Value));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<TimeProvider>(MedPayClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        if (configuration[$"{PlatformOptions.Section}:Mode"] is PlatformOptions.InProcess)
        {
            services.TryAddSingleton<ISandboxScript, SandboxScript>();
            services.TryAddSingleton<ISandboxLedger, MemoryLedger>();
            services.TryAddSingleton<IInsurancePlatform>(sp => new SandboxInsurancePlatform(sp.GetRequiredService<ISandboxScript>(), sp.GetRequiredService<ISandboxLedger>(), sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<ICashChannel>(sp => new SandboxCashChannel(sp.GetRequiredService<ISandboxScript>(), sp.GetRequiredService<ISandboxLedger>(), sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<ISandboxControl>(sp => new InProcessSandboxControl(sp.GetRequiredService<ISandboxScript>(), sp.GetRequiredService<ISandboxLedger>()));
        }
        else
        {
            services.AddRemotePlatform(configuration);
        }

        return services;
    }
}
