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

/// <summary>How the payment-gateway grain talks to the platform adapters: <c>MedPay:Gateway</c>.</summary>
public sealed class PaymentGatewayOptions
{
    public const string Section = "MedPay:Gateway";

    /// <summary>How long one call to the platform or the cash channel may take before its outcome counts as unknown.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times an unknown outcome is queried before the settlement is left unknown.</summary>
    public int QueryAttempts { get; set; } = 3;

    /// <summary>The first pause between queries; it doubles each time, with jitter.</summary>
    public TimeSpan QueryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long reading the platform's daily statements (for a reconciliation) may take: a bigger read than a payment's
    /// call and off the payment path, so it has its own, longer limit.
    /// </summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How unfinished work is found and driven forward after a crash: <c>MedPay:Recovery</c>.</summary>
public sealed class RecoveryOptions
{
    public const string Section = "MedPay:Recovery";

    /// <summary>How often a paying order's reminder drives its settlement forward.</summary>
    public TimeSpan ResumeEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A reservation older than this makes the voucher ask its order to reconcile (a crash may have orphaned it).</summary>
    public TimeSpan StaleReservationAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>An order whose settlement outcome is still unknown after this goes to manual review, with the reason.</summary>
    public TimeSpan ManualReviewAfter { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Unpaid orders: <c>MedPay:Orders</c>.</summary>
public sealed class OrderOptions
{
    public const string Section = "MedPay:Orders";

    /// <summary>An order not paid this long after it was created expires; anything reserved for it is released.</summary>
    public TimeSpan UnpaidExpiry { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most this many orders' lines in one segment of a merchant's daily index shard (each write rewrites a segment whole).</summary>
    public int IndexSegmentSize { get; set; } = 64;

    /// <summary>At most this many refunds (of any outcome) on one order; the next is refused with <c>too_many_refunds</c>.</summary>
    public int MaxRefundsPerOrder { get; set; } = 50;

    /// <summary>At most this many history entries on one order: the first and the latest are kept, the dropped ones counted.</summary>
    public int MaxHistoryEntries { get; set; } = 64;
}

/// <summary>Result notifications to the merchant's callback address: <c>MedPay:Notifications</c>.</summary>
public sealed class NotificationOptions
{
    public const string Section = "MedPay:Notifications";

    /// <summary>Delivery attempts before a notification is given up (and shown as failed on the order).</summary>
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetry { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The first attempt at a settlement or refund notification is made before the outcome is written, so that one write
    /// records both; the payment's answer waits for it at most this long. Later attempts have <see cref="CallTimeout"/>.
    /// </summary>
    public TimeSpan FirstAttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Host names, addresses or CIDR ranges that callbacks may reach although they are not public (loopback, private):
    /// for tests and development only. Empty in production.
    /// </summary>
    public List<string> AllowedCallbackHosts { get; set; } = [];

    /// <summary>How many finished notifications (delivered or given up) an order keeps in its delivery log; older ones are counted, not kept.</summary>
    public int DeliveryLogSize { get; set; } = 20;
}

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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentGatewayOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecoveryOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdempotencyOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, GrainOptionsValidator>());
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
