namespace MedPay.Contracts;

[GenerateSerializer, Alias("medpay.VoucherStatus")]
public enum VoucherStatus
{
    Active = 0,
    Suspended = 1,
    Revoked = 2,
}
