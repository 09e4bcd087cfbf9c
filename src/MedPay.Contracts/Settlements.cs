namespace MedPay.Contracts;

[GenerateSerializer, Alias("medpay.SettlementStatus")]
public enum SettlementStatus
{
    Pending = 0,
    Succeeded = 1,
    Declined = 2,
    Unknown = 3,
    Mismatch = 4,
}

[GenerateSerializer, Immutable, Alias("medpay.SettlementRequest")]
public sealed record SettlementRequest(
    [property: Id(0)] string SettlementId,
    [property: Id(1)] string OrderId,
    [property: Id(2)] string MerchantId,
    [property: Id(3)] string UserId,
    [property: Id(4)] string VoucherNo,
    [property: Id(5)] string InsuredRegion,
    [property: Id(6)] Split Split);

/// <summary>The durable record of one settlement exchange with the insurance platform and the cash channel.</summary>
[GenerateSerializer, Immutable, Alias("medpay.SettlementRecord")]
public sealed record SettlementRecord(
    [property: Id(0)] string SettlementId,
    [property: Id(1)] SettlementStatus Status,
    [property: Id(2)] SettlementRequest Request,
    [property: Id(3)] string? PlatformRef,
    [property: Id(4)] string? CashRef,
    [property: Id(5)] Failure? Failure,
    [property: Id(6)] int PlatformCalls,
    [property: Id(7)] DateTimeOffset UpdatedAt);
