using System.Collections.Immutable;
using System.Text;

namespace MedPay.Contracts;

/// <summary>
/// Opens a user's e-voucher. Region and insurance type come from the insurance platform's person query; when the client
/// sends them (optional) they must agree with it.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.OpenVoucherCommand")]
public sealed record OpenVoucherCommand(
    [property: Id(0), PersonalData] string FullName,
    [property: Id(1), PersonalData] string NationalId,
    [property: Id(2)] string? InsuredRegion,
    [property: Id(3)] InsuranceType? InsuranceType)
{
    // ToString may end up in a log: it never shows the person's name or national ID.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"FullName = {Redacted.Text}, NationalId = {Redacted.Text}, InsuredRegion = {InsuredRegion}, InsuranceType = {InsuranceType}");
        return true;
    }
}

/// <summary>The year's amounts the regional policy needs: deductible already met and fund already paid.</summary>
[GenerateSerializer, Immutable, Alias("medpay.YearAccumulators")]
public sealed record YearAccumulators(
    [property: Id(0)] int Year,
    [property: Id(1)] long DeductibleUsedFen,
    [property: Id(2)] long FundPaidFen);

/// <summary>What a client may see of a voucher. The national ID is masked: only its first and last characters.</summary>
[GenerateSerializer, Immutable, Alias("medpay.VoucherView")]
public sealed record VoucherView(
    [property: Id(0)] string UserId,
    [property: Id(1)] string VoucherNo,
    [property: Id(2)] VoucherStatus Status,
    [property: Id(3)] string InsuredRegion,
    [property: Id(4)] InsuranceType InsuranceType,
    [property: Id(5)] string NationalIdMasked,
    [property: Id(6)] string FullNameMasked,
    [property: Id(7)] long PersonalAccountBalanceFen,
    [property: Id(8)] long ReservedFen,
    [property: Id(9)] YearAccumulators Accumulators,
    [property: Id(10)] DateTimeOffset OpenedAt);

[GenerateSerializer, Immutable, Alias("medpay.OpenVoucherResult")]
public sealed record OpenVoucherResult(
    [property: Id(0)] VoucherView Voucher,
    [property: Id(1)] bool Opened);

/// <summary>
/// The holder's consent. <see cref="VerifiedNationalId"/> is the national ID of the person the identity provider just
/// verified (the token's verified claims): the voucher compares it, by its keyed lookup, with its holder's.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.AuthorizeCommand")]
public sealed record AuthorizeCommand(
    [property: Id(0)] string MerchantId,
    [property: Id(1)] long MaxAmountFen,
    [property: Id(2)] string? MerchantOrderNo,
    [property: Id(3)] int ValidForMinutes,
    [property: Id(4), PersonalData] string? VerifiedNationalId)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"MerchantId = {MerchantId}, MaxAmountFen = {MaxAmountFen}, MerchantOrderNo = {MerchantOrderNo}, ValidForMinutes = {ValidForMinutes}, VerifiedNationalId = {Redacted.Text}");
        return true;
    }
}

/// <summary>The user's consent. The code is shown once, here; MedPay keeps only its hash.</summary>
[GenerateSerializer, Immutable, Alias("medpay.AuthorizationGrant")]
public sealed record AuthorizationGrant(
    [property: Id(0), Secret] string AuthCode,
    [property: Id(1)] string MerchantId,
    [property: Id(2)] long MaxAmountFen,
    [property: Id(3)] string? MerchantOrderNo,
    [property: Id(4)] DateTimeOffset ExpiresAt)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"AuthCode = {Redacted.Text}, MerchantId = {MerchantId}, MaxAmountFen = {MaxAmountFen}, MerchantOrderNo = {MerchantOrderNo}, ExpiresAt = {ExpiresAt:O}");
        return true;
    }
}

/// <summary>Asks the voucher to check and consume an authorization, compute the split and hold the personal-account part.</summary>
[GenerateSerializer, Immutable, Alias("medpay.ReserveCommand")]
public sealed record ReserveCommand(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string MerchantId,
    [property: Id(2)] string MerchantOrderNo,
    [property: Id(3), Secret] string AuthCode,
    [property: Id(4)] string SettlementId,
    [property: Id(5)] ImmutableArray<OrderItem> Items,
    [property: Id(6)] long? MaxCashFen)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"OrderId = {OrderId}, MerchantId = {MerchantId}, MerchantOrderNo = {MerchantOrderNo}, AuthCode = {Redacted.Text}, SettlementId = {SettlementId}, Items = {Items.Length}, MaxCashFen = {MaxCashFen}");
        return true;
    }
}

/// <summary>A hold on the personal account (and on the year's accumulators) for one order.</summary>
[GenerateSerializer, Immutable, Alias("medpay.Reservation")]
public sealed record Reservation(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string SettlementId,
    [property: Id(2)] Split Split,
    [property: Id(3)] long DeductibleAppliedFen,
    [property: Id(4)] string VoucherNo,
    [property: Id(5)] string InsuredRegion,
    [property: Id(6)] InsuranceType InsuranceType,
    [property: Id(7)] DateTimeOffset ReservedAt,
    [property: Id(8)] string? AuthCodeHash = null);
