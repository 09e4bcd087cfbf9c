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

/// <summary>The step boundaries of a payment, where tests may stop the flow (and kill the silo).</summary>
public enum FlowStep
{
    /// <summary>The voucher holds the reservation, the payment's intent (settlement S, the split); nothing has left MedPay.</summary>
    AfterReserve,
    /// <summary>The gateway recorded its intent; the platform has not been called.</summary>
    AfterGatewayIntent,
    /// <summary>The platform settled; the gateway has not recorded it.</summary>
    AfterPlatform,
    /// <summary>The gateway recorded the outcome; the order has not recorded it.</summary>
    AfterSettlement,
    /// <summary>The order recorded "settled"; the voucher has not committed the reservation.</summary>
    BeforeCommit,
    /// <summary>The order recorded a pending refund; the gateway has not been called.</summary>
    BeforeRefund,
    /// <summary>The gateway recorded the refund's intent; the platform has not been called.</summary>
    AfterRefundIntent,
    /// <summary>The refund went through at the gateway; the voucher has not been credited.</summary>
    AfterRefund,
}

/// <summary>Called at each <see cref="FlowStep"/>. Production does nothing here; tests use it to stop the flow.</summary>
public interface IPaymentFlowHooks
{
    ValueTask AtAsync(FlowStep step, string orderId);
}

public sealed class NoFlowHooks : IPaymentFlowHooks
{
    public ValueTask AtAsync(FlowStep step, string orderId) => ValueTask.CompletedTask;
}

public static class MedPayGrainServices
{
    /// <summary>The grain storage every MedPay grain uses.</summary>
    public const string StorageName = "medpay";

    /// <summary>Registers what the grains need: policies, clock, gateway options and (unless already registered) the insurance platform and cash channel of MedPay:Platform:Mode.</summary>
    public static IServiceCollection AddMedPayGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMedPayRedaction();
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

/// <summary>Log redaction: classified values (<see cref="MedPay.Contracts.MedPayData"/>) never reach a log line.</summary>
public static class MedPayRedaction
{
    public static IServiceCollection AddMedPayRedaction(this IServiceCollection services)
    {
        services.AddRedaction(redaction => redaction.SetRedactor<Microsoft.Extensions.Compliance.Redaction.ErasingRedactor>(
            new Microsoft.Extensions.Compliance.Classification.DataClassificationSet(MedPay.Contracts.MedPayData.PersonalData),
            new Microsoft.Extensions.Compliance.Classification.DataClassificationSet(MedPay.Contracts.MedPayData.Secret)));
        services.AddLogging(logging => logging.EnableRedaction());
        return services;
    }
}
