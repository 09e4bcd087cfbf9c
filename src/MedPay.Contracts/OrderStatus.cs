namespace MedPay.Contracts;

[GenerateSerializer, Alias("medpay.OrderStatus")]
public enum OrderStatus
{
    Created = 0,
    Paying = 1,
    Settled = 2,
    Failed = 3,
    PartiallyRefunded = 4,
    Refunded = 5,
    Cancelled = 6,
    ManualReview = 7,
    Expired = 8,
}
