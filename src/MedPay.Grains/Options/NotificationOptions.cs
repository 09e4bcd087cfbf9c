using Microsoft.Extensions.Options;
using static MedPay.Grains.OptionChecks;

namespace MedPay.Grains;

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

/// <summary>Delivery attempts and their timings: positive, within bounds that make sense, and the longest retry no shorter than the first.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions o) => Check(
        Range(NotificationOptions.Section, "MaxAttempts", o.MaxAttempts, 1, 1_000),
        Positive(NotificationOptions.Section, "FirstRetry", o.FirstRetry, TimeSpan.FromDays(1)),
        Positive(NotificationOptions.Section, "MaxRetry", o.MaxRetry, TimeSpan.FromDays(7)),
        Positive(NotificationOptions.Section, "CallTimeout", o.CallTimeout, TimeSpan.FromMinutes(5)),
        Positive(NotificationOptions.Section, "FirstAttemptTimeout", o.FirstAttemptTimeout, TimeSpan.FromMinutes(5)),
        o.MaxRetry < o.FirstRetry ? $"{NotificationOptions.Section}:MaxRetry must not be shorter than FirstRetry." : null);
}
