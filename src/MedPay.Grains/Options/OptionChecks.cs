using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>The checks the options validators share: a duration or a count within bounds, and the result of a list of checks.</summary>
internal static class OptionChecks
{
    public static string? Positive(string section, string field, TimeSpan value, TimeSpan max) =>
        value > TimeSpan.Zero && value <= max ? null : $"{section}:{field} is {value}: it must be more than zero and at most {max}.";

    public static string? Range(string section, string field, int value, int min, int max) =>
        value >= min && value <= max ? null : $"{section}:{field} is {value}: it must be {min} to {max}.";

    public static ValidateOptionsResult Check(params string?[] failures) =>
        failures.Where(f => f is not null).Cast<string>().ToList() is { Count: > 0 } found ? ValidateOptionsResult.Fail(found) : ValidateOptionsResult.Success;
}
