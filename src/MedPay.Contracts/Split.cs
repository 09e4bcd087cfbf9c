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
