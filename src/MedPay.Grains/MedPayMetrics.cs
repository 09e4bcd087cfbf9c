using System.Diagnostics.Metrics;

namespace MedPay.Grains;

/// <summary>
/// MedPay's own meter (<c>MedPay</c>), beside Orleans' (<c>Microsoft.Orleans</c>): the outcome of each payment as the
/// order records it, and how long it took from the pay request. Exported with the rest by OpenTelemetry.
/// </summary>
public sealed class MedPayMetrics
{
    public const string MeterName = "MedPay";

    private readonly Counter<long> _payments;
    private readonly Histogram<double> _paymentDuration;

    public MedPayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _payments = meter.CreateCounter<long>("medpay.payments", "{payment}", "Payment outcomes recorded by orders, by outcome: settled, failed, manual_review, or unknown (still paying).");
        _paymentDuration = meter.CreateHistogram<double>("medpay.payment.duration", "ms", "From the start of the payment to its recorded outcome.");
    }

    public void PaymentRecorded(string outcome, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _payments.Add(1, tag);
        _paymentDuration.Record(took.TotalMilliseconds, tag);
    }
}
