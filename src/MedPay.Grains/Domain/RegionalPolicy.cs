using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>An insured region's rules for splitting a bill. Ratios are basis points (1/10,000).</summary>
public sealed record RegionalPolicy(
    string Name,
    long DeductibleFen,
    int EmployeeFundRatioBp,
    int ResidentFundRatioBp,
    int CategoryBSelfPayBp,
    long AnnualFundCapFen,
    bool PersonalAccountPaysSelfPay)
{
    public int FundRatioBp(InsuranceType type) => type == InsuranceType.Employee ? EmployeeFundRatioBp : ResidentFundRatioBp;

    /// <summary>Why the policy cannot be used, or null.</summary>
    public string? Problem()
    {
        static bool Ratio(int bp) => bp is >= 0 and <= 10_000;
        return DeductibleFen < 0 || AnnualFundCapFen < 0 ? "amounts must not be negative"
            : !Ratio(EmployeeFundRatioBp) || !Ratio(ResidentFundRatioBp) || !Ratio(CategoryBSelfPayBp) ? "ratios must be 0 to 10000 basis points"
            : null;
    }
}

/// <summary>The configured policies, looked up by 6-digit insured region code.</summary>
public sealed class RegionalPolicyCatalog
{
    private readonly Dictionary<string, RegionalPolicy> _policies;

    public RegionalPolicyCatalog(RegionalPolicyOptions options)
    {
        _policies = new(StringComparer.Ordinal);
        foreach (var (region, settings) in options.Regions)
        {
            var policy = settings.ToPolicy();
            if (!IsRegionCode(region) || policy.Problem() is { } problem)
            {
                throw new InvalidOperationException($"Regional policy '{region}' is invalid: {(IsRegionCode(region) ? policy.Problem() : "the key must be a 6-digit region code")}.");
            }

            _policies[region] = policy;
        }
    }

    public IReadOnlyCollection<string> Regions => _policies.Keys;

    public static bool IsRegionCode(string? region) => region is { Length: 6 } && region.All(char.IsAsciiDigit);

    public Result<RegionalPolicy> Find(string? region) =>
        !IsRegionCode(region) ? new Failure(ErrorCodes.InvalidRegion, "The insured region must be a 6-digit code.")
        : _policies.TryGetValue(region!, out var policy) ? policy
        : new Failure(ErrorCodes.UnknownRegion, $"No insurance policy is configured for region {region}.");
}
