namespace MedPay.Api;

/// <summary>The API's part of MedPay's meter (the silos record payments, refunds and notifications under the same name).</summary>
public static class ApiMetrics
{
    public const string MeterName = "MedPay";
}
