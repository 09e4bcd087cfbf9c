namespace MedPay.Contracts;

/// <summary>Insurance category of a line item: A fully covered, B covered after a self-pay share, C not covered.</summary>
[GenerateSerializer, Alias("medpay.ItemCategory")]
public enum ItemCategory
{
    A = 0,
    B = 1,
    C = 2,
}
