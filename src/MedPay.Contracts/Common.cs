namespace MedPay.Contracts;

/// <summary>How an order's total is shared between the pooled fund, the personal account and the user's cash. Integer fen.</summary>
[GenerateSerializer, Immutable, Alias("medpay.Split")]
public sealed record Split(
    [property: Id(0)] long FundFen,
    [property: Id(1)] long PersonalAccountFen,
    [property: Id(2)] long CashFen)
{
    public long TotalFen => FundFen + PersonalAccountFen + CashFen;
}

/// <summary>An expected refusal with a stable machine-readable code (see <see cref="ErrorCodes"/>).</summary>
[GenerateSerializer, Immutable, Alias("medpay.Failure")]
public sealed record Failure(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message);

/// <summary>Either a value or an expected failure. Grains return these; they throw only for bugs and infrastructure faults.</summary>
[GenerateSerializer, Immutable, Alias("medpay.Result`1")]
public sealed record Result<T>(
    [property: Id(0)] T? Value,
    [property: Id(1)] Failure? Error)
{
    public bool IsOk => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Failure failure) => new(default, failure);
}

[GenerateSerializer, Alias("medpay.InsuranceType")]
public enum InsuranceType
{
    Employee = 0,
    Resident = 1,
}

[GenerateSerializer, Alias("medpay.VoucherStatus")]
public enum VoucherStatus
{
    Active = 0,
    Suspended = 1,
    Revoked = 2,
}

/// <summary>Insurance category of a line item: A fully covered, B covered after a self-pay share, C not covered.</summary>
[GenerateSerializer, Alias("medpay.ItemCategory")]
public enum ItemCategory
{
    A = 0,
    B = 1,
    C = 2,
}

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

/// <summary>What a record's ToString shows in place of a secret (an authorization code, a national ID, a name).</summary>
public static class Redacted
{
    public const string Text = "***";
}
