using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// Who may call (<c>MedPay:Auth</c>): the OpenID Connect authority whose tokens identify users and operators, and what
/// counts as a recent real-name verification.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "MedPay:Auth";

    /// <summary>
    /// The operator and auditor role names straight from configuration: authorization policies are built while the app
    /// is put together (Razor Pages ask for them then), before the validated options may be read, and an invalid
    /// MedPay:Auth must still fail when the app starts.
    /// </summary>
    public static (string Operator, string Auditor) Roles(IConfiguration configuration) => (
        configuration[$"{Section}:{nameof(OperatorRole)}"] is { Length: > 0 } o ? o : new AuthOptions().OperatorRole,
        configuration[$"{Section}:{nameof(AuditorRole)}"] is { Length: > 0 } a ? a : new AuthOptions().AuditorRole);

    /// <summary>
    /// The token authority (issuer) whose metadata and signing keys validate bearer tokens. Required outside
    /// Development; in Development, with <see cref="DevelopmentIssuer"/> on and no authority set, the API's own address.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for.</summary>
    public string Audience { get; set; } = "medpay-api";

    /// <summary>Development only: serve an embedded token issuer at <c>/connect/token</c> (OpenIddict).</summary>
    public bool DevelopmentIssuer { get; set; }

    /// <summary>
    /// How long ago the person's verification (the <c>verification.time</c> of the token's verified claims, a face check)
    /// may have been, to open a voucher or consent.
    /// </summary>
    public TimeSpan RealNameMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The <c>check_method</c> values of the verified claims' evidence that count as a face check of the person against
    /// the photo record of their ID: by default <c>bvr</c> (biometric verification, remote).
    /// </summary>
    public string[] RealNameMethods { get; set; } = ["bvr"];

    /// <summary>The <c>trust_framework</c> values accepted in verified claims; empty accepts the authority's own.</summary>
    public string[] TrustFrameworks { get; set; } = [];

    /// <summary>The role that may act as an operator (register merchants, suspend vouchers, …).</summary>
    public string OperatorRole { get; set; } = "operator";

    /// <summary>The role that may read what operators read, and change nothing.</summary>
    public string AuditorRole { get; set; } = "auditor";
}

/// <summary>Refuses to start with an authority MedPay cannot trust: none, or one not on https, outside Development.</summary>
public sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (environment.IsDevelopment())
        {
            if (string.IsNullOrEmpty(options.Authority) && !options.DevelopmentIssuer)
            {
                failures.Add("MedPay:Auth:Authority is required (or MedPay:Auth:DevelopmentIssuer=true in Development).");
            }
        }
        else
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"MedPay:Auth:Authority must be an https URL outside Development (environment {environment.EnvironmentName}).");
            }

            if (options.DevelopmentIssuer)
            {
                failures.Add("MedPay:Auth:DevelopmentIssuer is for Development only.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("MedPay:Auth:Audience is required.");
        }

        if (options.RealNameMaxAge <= TimeSpan.Zero || options.RealNameMaxAge > TimeSpan.FromHours(1))
        {
            failures.Add("MedPay:Auth:RealNameMaxAge must be more than zero and at most an hour.");
        }

        if (options.RealNameMethods is not { Length: > 0 })
        {
            failures.Add("MedPay:Auth:RealNameMethods must name at least one check_method value.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
