namespace MedPay.Contracts;

[GenerateSerializer, Alias("medpay.InsuranceType")]
public enum InsuranceType
{
    Employee = 0,
    Resident = 1,
}
