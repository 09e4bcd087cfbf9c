using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// The person the identity provider verified, read from the token's <c>verified_claims</c> (OpenID Connect for Identity
/// Assurance 1.0): the verified name and national ID, and when and how they were verified. MedPay takes who the person
/// is from here and nowhere else: a request body never names the person.
/// <code>
/// "verified_claims": {
///   "verification": {
///     "trust_framework": "…",                        (any, or one of MedPay:Auth:TrustFrameworks)
///     "time": "2026-12-08T03:30:00Z",                 (the verification; at most MedPay:Auth:RealNameMaxAge ago)
///     "evidence": [{ "type": "electronic_record",
///                    "check_details": [{ "check_method": "bvr" }] }]   (one of MedPay:Auth:RealNameMethods)
///   },
///   "claims": { "name": "李四", "national_id": "11010519491231002X" }
/// }
/// </code>
/// <c>verified_claims</c> may also be an array of such objects (the first that qualifies counts); <c>claims.name</c> may
/// be given as <c>family_name</c> and <c>given_name</c> instead.
/// </summary>
public sealed record VerifiedPerson(string FullName, string NationalId, DateTimeOffset VerifiedAt)
{
    public const string ClaimType = "verified_claims";

    /// <summary>The <c>claims</c> member that carries the verified national ID number.</summary>
    public const string NationalIdClaim = "national_id";

    // Never in a log: the name and the ID are personal data.
    public override string ToString() => $"VerifiedPerson {{ FullName = {Redacted.Text}, NationalId = {Redacted.Text}, VerifiedAt = {VerifiedAt:O} }}";

    /// <summary>
    /// The verified person in the caller's token, if it carries one in the shape above by an accepted method; and
    /// whether its verification is recent (within <see cref="AuthOptions.RealNameMaxAge"/>, not in the future beyond a
    /// minute's clock skew).
    /// </summary>
    public static (VerifiedPerson? Person, bool Recent) Read(ClaimsPrincipal caller, AuthOptions options, DateTimeOffset now)
    {
        VerifiedPerson? stale = null;
        foreach (var claim in caller.FindAll(ClaimType))
        {
            foreach (var candidate in Candidates(claim.Value))
            {
                if (Parse(candidate, options) is not { } person)
                {
                    continue;
                }

                var age = now - person.VerifiedAt;
                if (age <= options.RealNameMaxAge && age >= -TimeSpan.FromMinutes(1))
                {
                    return (person, true);
                }

                stale ??= person;
            }
        }

        return (stale, false);
    }

    private static IEnumerable<JsonElement> Candidates(string value)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(value, new JsonDocumentOptions { MaxDepth = 16 });
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            yield break;
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            yield return root;
        }
        else if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in root.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).Take(8))
            {
                yield return item;
            }
        }
    }

    private static VerifiedPerson? Parse(JsonElement verified, AuthOptions options)
    {
        if (!verified.TryGetProperty("verification", out var verification) || verification.ValueKind != JsonValueKind.Object
            || !verified.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Text(verification, "trust_framework") is not { Length: > 0 } framework
            || (options.TrustFrameworks is { Length: > 0 } frameworks && !frameworks.Contains(framework, StringComparer.Ordinal)))
        {
            return null;
        }

        if (Text(verification, "time") is not { } time
            || !DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var verifiedAt))
        {
            return null;
        }

        if (!ByAcceptedMethod(verification, options.RealNameMethods))
        {
            return null;
        }

        var name = Text(claims, "name") is { Length: > 0 } full ? full
            : Text(claims, "family_name") is { Length: > 0 } family && Text(claims, "given_name") is { Length: > 0 } given ? family + given
            : null;
        return name is not null && Text(claims, NationalIdClaim) is { Length: > 0 } nationalId
            ? new VerifiedPerson(name.Trim(), nationalId.Trim(), verifiedAt)
            : null;
    }

    /// <summary>Some evidence was checked by one of <paramref name="methods"/> (a face check against the ID's photo record).</summary>
    private static bool ByAcceptedMethod(JsonElement verification, string[] methods) =>
        verification.TryGetProperty("evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Array
        && evidence.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object
            && e.TryGetProperty("check_details", out var checks) && checks.ValueKind == JsonValueKind.Array
            && checks.EnumerateArray().Any(c => c.ValueKind == JsonValueKind.Object && Text(c, "check_method") is { } method && methods.Contains(method, StringComparer.Ordinal)));

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The token names a verified person (verified claims in the Identity Assurance shape, by an accepted method).</summary>
public sealed class VerifiedPersonRequirement : IAuthorizationRequirement, IRefusesWithCode
{
    public string Code => ErrorCodes.VerifiedClaimsRequired;

    public string Detail => "This needs the identity provider's verified claims of the person (OpenID Connect for Identity Assurance: verified_claims with the verified name and national ID, from a face check).";
}

/// <summary>The verified person's verification (face check) is recent.</summary>
public sealed class RecentVerificationRequirement : IAuthorizationRequirement, IRefusesWithCode
{
    public string Code => ErrorCodes.RecentVerificationRequired;

    public string Detail => "This needs a recent real-name verification of the person (a face check); verify and send the new token.";
}

public sealed class VerifiedPersonHandler(IOptions<AuthOptions> options, TimeProvider time) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var (person, recent) = VerifiedPerson.Read(context.User, options.Value, time.GetUtcNow());
        if (recent && context.Resource is HttpContext http)
        {
            // The endpoint acts for exactly the person this decision saw.
            http.Items[typeof(VerifiedPerson)] = person;
        }

        foreach (var requirement in context.PendingRequirements.ToList())
        {
            if ((requirement is VerifiedPersonRequirement && person is not null) || (requirement is RecentVerificationRequirement && recent))
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}

public static class VerifiedPersonExtensions
{
    /// <summary>The verified person of a request that passed <see cref="Policies.VerifiedUser"/>.</summary>
    public static VerifiedPerson VerifiedPerson(this HttpContext context) =>
        context.Items[typeof(VerifiedPerson)] as VerifiedPerson ?? throw new InvalidOperationException("Only for requests authorized by the verified-user policy.");
}
