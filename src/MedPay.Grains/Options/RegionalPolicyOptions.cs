using Microsoft.Extensions.Options;

namespace MedPay.Grains.Domain;

/// <summary>Configuration shape: <c>MedPay:Policies:Regions:{code}</c>.</summary>
public sealed class RegionalPolicyOptions
{
    public const string Section = "MedPay:Policies";

    public Dictionary<string, RegionalPolicySettings> Regions { get; set; } = new(StringComparer.Ordinal);
}

public sealed class RegionalPolicySettings
{
    public string Name { get; set; } = "";
    public long DeductibleFen { get; set; }
    public int EmployeeFundRatioBp { get; set; }
    public int ResidentFundRatioBp { get; set; }
    public int CategoryBSelfPayBp { get; set; }
    public long AnnualFundCapFen { get; set; }
    public bool PersonalAccountPaysSelfPay { get; set; }

    public RegionalPolicy ToPolicy() => new(Name, DeductibleFen, EmployeeFundRatioBp, ResidentFundRatioBp, CategoryBSelfPayBp, AnnualFundCapFen, PersonalAccountPaysSelfPay);
}

/// <summary>Every configured regional policy, checked before the silo starts rather than on the first payment.</summary>
public sealed class RegionalPolicyOptionsValidator : IValidateOptions<RegionalPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, RegionalPolicyOptions options)
    {
        var failures = new List<string>();
        if (options.Regions.Count == 0)
        {
            failures.Add($"{RegionalPolicyOptions.Section}:Regions names no region: no voucher could be opened.");
        }

        foreach (var (region, settings) in options.Regions)
        {
            var where = $"{RegionalPolicyOptions.Section}:Regions:{region}";
            if (!RegionalPolicyCatalog.IsRegionCode(region))
            {
                failures.Add($"{where}: the key must be a 6-digit region code.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(settings.Name))
            {
                failures.Add($"{where}:Name is required.");
            }

            foreach (var (field, bp) in new[] { ("EmployeeFundRatioBp", settings.EmployeeFundRatioBp), ("ResidentFundRatioBp", settings.ResidentFundRatioBp), ("CategoryBSelfPayBp", settings.CategoryBSelfPayBp) })
            {
                if (bp is < 0 or > 10_000)
                {
                    failures.Add($"{where}:{field} is {bp}: ratios are 0 to 10000 basis points.");
                }
            }

            foreach (var (field, fen) in new[] { ("DeductibleFen", settings.DeductibleFen), ("AnnualFundCapFen", settings.AnnualFundCapFen) })
            {
                if (fen < 0)
                {
                    failures.Add($"{where}:{field} is {fen}: amounts must not be negative.");
                }
            }

            if (failures.Count == 0 && settings.ToPolicy().Problem() is { } problem)
            {
                failures.Add($"{where}: {problem}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
