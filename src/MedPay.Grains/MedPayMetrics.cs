using System.Diagnostics.Metrics;

namespace MedPay.Grains;

/// <summary>
/// MedPay's own meter (<c>MedPay</c>), beside Orleans' (<c>Microsoft.Orleans</c>), recorded by the silos: the outcome of
/// each payment and refund as the order records it, how long a payment took, orders and refunds put into review, and
/// every attempt to notify a merchant. Exported with the rest by OpenTelemetry (a silo's /metrics, or OTLP).
/// </summary>
public sealed class MedPayMetrics
{
    public const string MeterName = "MedPay";

    /// <summary>How a payment reached its outcome: the user's application, the merchant's back end, or recovery (a resumed payment).</summary>
    public static class Paths
    {
        public const string Direct = "direct";
        public const string Merchant = "merchant";
        public const string Recovery = "recovery";
        public const string Review = "review";
    }

    private readonly Counter<long> _payments;
    private readonly Histogram<double> _paymentDuration;
    private readonly Counter<long> _refunds;
    private readonly Counter<long> _reviews;
    private readonly Counter<long> _notifications;

    public MedPayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _payments = meter.CreateCounter<long>("medpay.payments", "{payment}", "Payment outcomes recorded by orders, by outcome (settled, failed, manual_review, or unknown: still paying) and path (direct, merchant, recovery, review: decided by a person).");
        _paymentDuration = meter.CreateHistogram<double>("medpay.payment.duration", "ms", "From the start of the payment to its recorded outcome.");
        _refunds = meter.CreateCounter<long>("medpay.refunds", "{refund}", "Refund outcomes recorded by orders, by outcome: refunded, manual_review, or unknown (still pending).");
        _reviews = meter.CreateCounter<long>("medpay.reviews", "{case}", "Payments and refunds put into manual review, by kind: payment, refund.");
        _notifications = meter.CreateCounter<long>("medpay.notifications", "{attempt}", "Attempts to notify a merchant, by result: acknowledged, unacknowledged (retried later), given_up (attempts exhausted), undeliverable (no callback address).");
    }

    public void PaymentRecorded(string outcome, string path, TimeSpan took)
    {
        var tags = new System.Diagnostics.TagList { { "outcome", outcome }, { "path", path } };
        _payments.Add(1, tags);
        _paymentDuration.Record(took.TotalMilliseconds, tags);
        if (outcome == "manual_review")
        {
            Review("payment");
        }
    }

    public void RefundRecorded(string outcome)
    {
        _refunds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (outcome == "manual_review")
        {
            Review("refund");
        }
    }

    public void NotificationAttempted(string result) => _notifications.Add(1, new KeyValuePair<string, object?>("result", result));

    private void Review(string kind) => _reviews.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
