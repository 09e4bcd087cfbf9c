using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace MedPay.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) as a generated client needs it: who may call each operation (security
/// requirements and a "Caller:" line read from the endpoint's authorization policies), every problem answer as one
/// <c>Problem</c> schema with its stable <c>code</c>, the <c>Idempotency-Key</c> header on every POST, and request
/// schemas that require only what the API requires. Linted by Redocly's recommended rules (<c>OpenApiLintTests</c>).
/// </summary>
public static class OpenApiDocumentation
{
    public const string UserTokenScheme = "userToken";
    public const string MerchantKeyScheme = "merchantKey";
    public const string ProblemSchema = "Problem";
    public const string ProblemContentType = "application/problem+json";
    public const string IdempotencyKeyParameter = "IdempotencyKey";
    public const string IdempotentReplayedHeader = "IdempotentReplayed";

    /// <summary>Codes that are not in <see cref="ErrorCodes"/> but are answered by the API itself (routing, limits, faults).</summary>
    public static readonly string[] HostErrorCodes = ["not_found", "method_not_allowed", "payload_too_large", "service_unavailable", "internal_error"];

    /// <summary>The one call in <see cref="MedPayApi"/>: <c>builder.Services.AddOpenApi(OpenApiDocumentation.Configure)</c>.</summary>
    public static void Configure(OpenApiOptions options)
    {
        options.CreateSchemaReferenceId = type =>
            type.Type == typeof(ProblemDetails) ? ProblemSchema : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer(new SchemaTransformer());
        options.AddOperationTransformer(new OperationTransformer());
        options.AddDocumentTransformer(new DocumentTransformer());
    }

    /// <summary>Every known problem code, sorted: the constants of <see cref="ErrorCodes"/> and <see cref="HostErrorCodes"/>.</summary>
    public static IReadOnlyList<string> KnownErrorCodes { get; } =
    [
        .. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Concat(HostErrorCodes)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal),
    ];

    // ---- Request schemas ------------------------------------------------------------------------------------------

    /// <summary>
    /// The fields a request must have (a missing one is 400 <c>invalid_request</c>). Every request property is nullable in
    /// C#, so that a missing field is told apart from a default; without this table every one of them would be "required".
    /// </summary>
    private static readonly Dictionary<Type, string[]> RequiredFields = new()
    {
        [typeof(OpenVoucherRequest)] = [],
        [typeof(AuthorizeRequest)] = [nameof(AuthorizeRequest.MerchantId), nameof(AuthorizeRequest.MaxAmountFen)],
        [typeof(VoucherStatusRequest)] = [nameof(VoucherStatusRequest.Status)],
        [typeof(CreateOrderRequest)] = [nameof(CreateOrderRequest.MerchantOrderNo), nameof(CreateOrderRequest.UserId), nameof(CreateOrderRequest.Items)],
        [typeof(OrderItemRequest)] = [nameof(OrderItemRequest.Code), nameof(OrderItemRequest.Name), nameof(OrderItemRequest.Category), nameof(OrderItemRequest.UnitPriceFen), nameof(OrderItemRequest.Quantity)],
        [typeof(PayRequest)] = [nameof(PayRequest.AuthCode)],
        [typeof(RefundRequestBody)] = [nameof(RefundRequestBody.RefundId), nameof(RefundRequestBody.AmountFen)],
        [typeof(CancelRequest)] = [],
        [typeof(RegisterMerchantRequest)] = [nameof(RegisterMerchantRequest.MerchantId), nameof(RegisterMerchantRequest.Name), nameof(RegisterMerchantRequest.InstitutionCode)],
        [typeof(CallbackRequest)] = [],
        [typeof(ReasonRequest)] = [],
    };

    /// <summary>What a request field means where its name does not say it all: defaults, limits, closed sets of values.</summary>
    private static readonly Dictionary<(Type Type, string Property), (string Description, string[]? Values)> FieldNotes = new()
    {
        [(typeof(OpenVoucherRequest), nameof(OpenVoucherRequest.UserId))] = ("Optional: the token's subject (`sub`). Another user id is refused with 403 `user_mismatch`.", null),
        [(typeof(OpenVoucherRequest), nameof(OpenVoucherRequest.FullName))] = ("Optional: the person comes from the token's verified claims (`claims.name`). Sent, it must be that name, else 403 `identity_mismatch`.", null),
        [(typeof(OpenVoucherRequest), nameof(OpenVoucherRequest.NationalId))] = ("Optional: the person comes from the token's verified claims (`claims.national_id`, 18 characters, GB 11643). Sent, it must be that ID, else 403 `identity_mismatch`. Never echoed back: responses show it masked.", null),
        [(typeof(OpenVoucherRequest), nameof(OpenVoucherRequest.InsuredRegion))] = ("Optional: the 6-digit administrative division code of the insured region, such as `330100`; the insurance platform's record decides, and a different one is 422 `insurance_record_mismatch`.", null),
        [(typeof(OpenVoucherRequest), nameof(OpenVoucherRequest.InsuranceType))] = ("Optional: the insurance scheme; the insurance platform's record decides, and a different one is 422 `insurance_record_mismatch`.", ["employee", "resident"]),
        [(typeof(AuthorizeRequest), nameof(AuthorizeRequest.MaxAmountFen))] = ("The most the consent covers, in fen (1 yuan = 100 fen).", null),
        [(typeof(AuthorizeRequest), nameof(AuthorizeRequest.MerchantOrderNo))] = ("Optional: binds the consent to this order of the merchant.", null),
        [(typeof(AuthorizeRequest), nameof(AuthorizeRequest.ValidForMinutes))] = ("Optional: 1 to 60 minutes; 15 when omitted.", null),
        [(typeof(VoucherStatusRequest), nameof(VoucherStatusRequest.Status))] = ("The new status; `revoked` is final.", ["active", "suspended", "revoked"]),
        [(typeof(CreateOrderRequest), nameof(CreateOrderRequest.MerchantId))] = ("Optional: the credential's merchant. Another merchant id is refused with 403 `merchant_mismatch`.", null),
        [(typeof(CreateOrderRequest), nameof(CreateOrderRequest.Items))] = ("1 to 200 items.", null),
        [(typeof(OrderItemRequest), nameof(OrderItemRequest.Category))] = ("The medical insurance category of the item.", ["A", "B", "C"]),
        [(typeof(OrderItemRequest), nameof(OrderItemRequest.UnitPriceFen))] = ("The unit price in fen (1 yuan = 100 fen).", null),
        [(typeof(OrderItemRequest), nameof(OrderItemRequest.Quantity))] = ("1 to 100,000.", null),
        [(typeof(PayRequest), nameof(PayRequest.AuthCode))] = ("The consent code the user's authorization returned.", null),
        [(typeof(PayRequest), nameof(PayRequest.MaxCashFen))] = ("Optional: the most the user pays in cash, in fen; no limit when omitted. An application with no cash channel sends 0.", null),
        [(typeof(RefundRequestBody), nameof(RefundRequestBody.RefundId))] = ("The merchant's id of this refund: repeating it with the same amount and reason returns the first refund.", null),
        [(typeof(RefundRequestBody), nameof(RefundRequestBody.AmountFen))] = ("The amount to refund, in fen; at most what is left of the payment.", null),
        [(typeof(RefundRequestBody), nameof(RefundRequestBody.Reason))] = ("Optional: why; kept with the refund (a repeat of the refundId must give the same reason).", null),
        [(typeof(CancelRequest), nameof(CancelRequest.Reason))] = ("Optional: why; recorded in the order's history (at most 200 characters are kept).", null),
        [(typeof(RegisterMerchantRequest), nameof(RegisterMerchantRequest.CallbackUrl))] = ("Optional: where MedPay sends the merchant's event notifications.", null),
        [(typeof(CallbackRequest), nameof(CallbackRequest.CallbackUrl))] = ("Optional: the new address of the merchant's event notifications; omitted or null removes it.", null),
    };

    /// <summary>Operator actions: their <c>reason</c> goes to the audit trail.</summary>
    /// <summary>The query parameters of the listings, by name.</summary>
    private static readonly Dictionary<string, (string Description, string? WhenOmitted, string[]? Values)> QueryNotes = new(StringComparer.Ordinal)
    {
        ["day"] = ("A day as `YYYY-MM-DD` (UTC)", "today", null),
        ["status"] = ("Only orders in this status, such as `settled` or `partially_refunded`", "all", null),
        ["pageSize"] = ("Orders a page, 1 to 100", "20", null),
        ["pageToken"] = ("The `nextPageToken` of the page before", "the first page", null),
        ["format"] = ("`csv` for the statement as CSV", "JSON, unless `Accept` asks for `text/csv`", ["json", "csv"]),
    };

    /// <summary>
    /// Query parameters an operation cannot do without although its handler takes them as optional (so that a missing one
    /// is its own problem code, such as <c>invalid_day</c>, rather than the framework's 400), by operation id.
    /// </summary>
    private static readonly Dictionary<string, string[]> RequiredQuery = new(StringComparer.Ordinal)
    {
        ["getReconciliation"] = ["day"],
        ["getPlatformReconciliation"] = ["day"],
    };

    private static readonly HashSet<Type> AuditedRequests = [typeof(VoucherStatusRequest), typeof(RegisterMerchantRequest), typeof(CallbackRequest), typeof(ReasonRequest)];

    private sealed class SchemaTransformer : IOpenApiSchemaTransformer
    {
        public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
        {
            // Only the schemas of whole types; the schemas of their properties are handled with their type.
            if (context.JsonPropertyInfo is not null)
            {
                return Task.CompletedTask;
            }

            if (RequiredFields.TryGetValue(context.JsonTypeInfo.Type, out var required))
            {
                DescribeRequest(schema, context.JsonTypeInfo, required);
            }

            return Task.CompletedTask;
        }

        private static void DescribeRequest(OpenApiSchema schema, System.Text.Json.Serialization.Metadata.JsonTypeInfo typeInfo, string[] required)
        {
            var requiredNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in typeInfo.Properties)
            {
                var clrName = (property.AttributeProvider as MemberInfo)?.Name ?? property.Name;
                if (schema.Properties?.TryGetValue(property.Name, out var propertySchema) is not true || propertySchema is not OpenApiSchema field)
                {
                    continue;
                }

                if (required.Contains(clrName, StringComparer.Ordinal))
                {
                    requiredNames.Add(property.Name);
                    // Sent as null, a required field is missing (400 invalid_request): the schema does not offer null.
                    if (field.Type is { } fieldType && fieldType.HasFlag(JsonSchemaType.Null))
                    {
                        field.Type = fieldType & ~JsonSchemaType.Null;
                    }
                }

                if (FieldNotes.TryGetValue((typeInfo.Type, clrName), out var note))
                {
                    field.Description = note.Description;
                    if (note.Values is { } values)
                    {
                        field.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                    }
                }
                else if (clrName == "Reason" && AuditedRequests.Contains(typeInfo.Type))
                {
                    field.Description = "Optional: why, for the audit trail of operator actions (at most 500 characters are kept).";
                }
            }

            schema.Required = requiredNames;
        }
    }

    // ---- Operations -----------------------------------------------------------------------------------------------

    private sealed class OperationTransformer : IOpenApiOperationTransformer
    {
        public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            var document = context.Document ?? throw new InvalidOperationException("The operation transformer needs its document.");
            AddComponents(document, context.ApplicationServices);
            var caller = await Caller.OfAsync(context.Description.ActionDescriptor.EndpointMetadata, context.ApplicationServices);
            operation.Responses ??= [];
            var declaredForbidden = operation.Responses.ContainsKey("403");

            if (caller.Anonymous)
            {
                // An empty requirement: no credential needed.
                operation.Security = [new OpenApiSecurityRequirement()];
            }
            else
            {
                operation.Security = [.. caller.Schemes.Select(scheme => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] })];
                var line = $"Caller: {caller.Describe()}.";
                operation.Description = string.IsNullOrEmpty(operation.Description) ? line : $"{operation.Description}\n\n{line}";
                AddProblem(operation, 401, "No credential, or one that is not valid: `unauthorized` (with `WWW-Authenticate: Bearer`).");
                if (caller.RefusesKind || caller.RefusalCodes.Count > 0)
                {
                    var reasons = new List<string>();
                    if (caller.RefusesKind)
                    {
                        reasons.Add("`forbidden` (a caller of another kind)");
                    }

                    reasons.AddRange(caller.RefusalCodes.Select(c => c switch
                    {
                        ErrorCodes.RecentVerificationRequired => $"`{c}` (the token's verification is not recent)",
                        ErrorCodes.VerifiedClaimsRequired => $"`{c}` (the token names no verified person)",
                        _ => $"`{c}`",
                    }));
                    if (declaredForbidden)
                    {
                        reasons.Add("or a refusal of this operation (see `code`)");
                    }

                    SetProblem(operation, 403, "Refused: " + string.Join(", ", reasons) + ".");
                }

                if (caller.HiddenCodes.Count > 0)
                {
                    SetProblem(operation, 404, ProblemDescription(404, post: false, hasBody: false) + " Someone else's resource is answered exactly "
                        + $"like one that does not exist ({string.Join(", ", caller.HiddenCodes.Select(c => $"`{c}`"))}).");
                }
            }

            var post = HttpMethods.IsPost(context.Description.HttpMethod ?? "");
            var hasBody = operation.RequestBody is not null;
            if (hasBody)
            {
                AddProblem(operation, 400, null);
                AddProblem(operation, 413, "`payload_too_large`: the body is over 1 MiB.");
                AddProblem(operation, 415, "`unsupported_media_type`: the body is not `application/json`.");
            }

            if (post)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameterReference(IdempotencyKeyParameter, document));
                AddProblem(operation, 400, null);
                AddProblem(operation, 409, null);
                AddProblem(operation, 422, null);
            }

            AddProblem(operation, 503, null);
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.In == ParameterLocation.Query && parameter.Name is { } name && QueryNotes.TryGetValue(name, out var note))
                {
                    parameter.Required |= RequiredQuery.TryGetValue(operation.OperationId ?? "", out var required) && required.Contains(name, StringComparer.Ordinal);
                    parameter.Description ??= parameter.Required || note.WhenOmitted is null ? $"{note.Description}." : $"{note.Description}; when omitted, {note.WhenOmitted}.";
                    if (note.Values is { } values && parameter.Schema is OpenApiSchema schema)
                    {
                        schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                    }
                }
            }

            foreach (var (status, response) in operation.Responses)
            {
                if (response is not OpenApiResponse concrete)
                {
                    continue;
                }

                var code = int.Parse(status, NumberStyles.None, CultureInfo.InvariantCulture);
                if (code >= 400 && (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrase(code)))
                {
                    concrete.Description = ProblemDescription(code, post, hasBody);
                }

                foreach (var (contentType, media) in concrete.Content ?? new Dictionary<string, OpenApiMediaType>())
                {
                    if (contentType == ProblemContentType)
                    {
                        media.Schema = new OpenApiSchemaReference(ProblemSchema, document);
                    }
                    else if (contentType.StartsWith("text/", StringComparison.Ordinal))
                    {
                        media.Schema = new OpenApiSchema { Type = JsonSchemaType.String };
                    }
                }

                // A repeat with the key gets the stored answer back; refusals that depend on the caller and 5xx are not stored,
                // and a body over the limit is refused before the key is looked at.
                if (post && IdempotencyMiddleware.IsStored(code) && code != StatusCodes.Status413PayloadTooLarge)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers[IdempotencyMiddleware.ReplayedHeader] = new OpenApiHeaderReference(IdempotentReplayedHeader, document);
                }
            }

            var sorted = new OpenApiResponses();
            foreach (var (status, response) in operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                sorted[status] = response;
            }

            operation.Responses = sorted;
            if (operation.RequestBody is OpenApiRequestBody { Required: false } optional && string.IsNullOrEmpty(optional.Description))
            {
                optional.Description = "Optional: the body may be left out.";
            }
        }

        private static void AddProblem(OpenApiOperation operation, int status, string? description)
        {
            var key = status.ToString(CultureInfo.InvariantCulture);
            if (!operation.Responses!.ContainsKey(key))
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = description ?? ReasonPhrase(status),
                    Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() },
                };
            }
        }

        private static void SetProblem(OpenApiOperation operation, int status, string description)
        {
            AddProblem(operation, status, description);
            if (operation.Responses![status.ToString(CultureInfo.InvariantCulture)] is OpenApiResponse response)
            {
                response.Description = description;
            }
        }

        private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

        private static string ProblemDescription(int status, bool post, bool hasBody) => status switch
        {
            400 when hasBody => "The request is not valid; `code` says which rule it breaks: `malformed_json`, `invalid_request` (a required "
                + "field is missing) or a field's own code such as `invalid_user_id`" + (post ? ", or `invalid_idempotency_key`." : "."),
            400 => "A parameter is not valid; `code` says which rule it breaks (such as `invalid_day` or `invalid_page_token`)"
                + (post ? ", or `invalid_idempotency_key`." : "."),
            402 => "Declined: the payment failed (`insufficient_balance`, `platform_declined`, `cash_declined`), or a refund recorded as "
                + "failed before refusals were held for review (`refund_declined`). "
                + "A failed payment's problem also carries `orderId`, `orderStatus`, `settlementId` and `split`.",
            404 => "Not found: no such resource (`voucher_not_found`, `order_not_found`, `merchant_not_found`).",
            409 => "Conflict with the current state (such as `order_already_paid` or `order_conflict`)"
                + (post ? ", or `idempotency_key_in_use`: the first request with this key is still running (retry after `Retry-After`)." : "."),
            422 => post
                ? "Understood but not done: `idempotency_key_reused` (the key was used for a different request), or a rule of the operation (see `code`)."
                : "Understood but not done (see `code`).",
            503 => "`service_unavailable` or `platform_unavailable`: MedPay could not reach its cluster or the insurance platform in time. "
                + (post ? "Repeating the request with the same `Idempotency-Key` is safe." : "The request may be repeated."),
            _ => ReasonPhrase(status),
        };
    }

    /// <summary>Who may call an endpoint, as its authorization policies say.</summary>
    private sealed record Caller(
        bool Anonymous,
        bool Person,
        bool Merchant,
        IReadOnlyCollection<string>? Roles,
        RouteOwnerRequirement? Owner,
        bool RealName,
        bool RefusesKind,
        IReadOnlyList<string> RefusalCodes,
        IReadOnlyList<string> HiddenCodes,
        AuthOptions Options)
    {
        public static async Task<Caller> OfAsync(IList<object> metadata, IServiceProvider services)
        {
            var options = services.GetRequiredService<IOptions<AuthOptions>>().Value;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return new(true, false, false, null, null, false, false, [], [], options);
            }

            var provider = services.GetRequiredService<IAuthorizationPolicyProvider>();
            var authorizeData = metadata.OfType<IAuthorizeData>().ToList();
            var policies = metadata.OfType<AuthorizationPolicy>().ToList();
            // As the authorization middleware decides: the endpoint's policies combined, else the fallback policy.
            var policy = authorizeData.Count > 0 || policies.Count > 0
                ? await AuthorizationPolicy.CombineAsync(provider, authorizeData, policies)
                : await provider.GetFallbackPolicyAsync();
            var requirements = policy?.Requirements ?? [];
            var claims = requirements.OfType<ClaimsAuthorizationRequirement>().Select(r => r.ClaimType).ToHashSet(StringComparer.Ordinal);
            var roles = requirements.OfType<RolesAuthorizationRequirement>()
                .Select(r => (IEnumerable<string>)r.AllowedRoles)
                .Aggregate((IEnumerable<string>?)null, (all, next) => all is null ? next : all.Intersect(next, StringComparer.Ordinal))
                ?.ToList();
            return new(
                false,
                claims.Contains(Callers.SubjectClaim),
                requirements.OfType<MerchantCredentialRequirement>().Any(),
                roles,
                requirements.OfType<RouteOwnerRequirement>().FirstOrDefault(),
                requirements.OfType<VerifiedPersonRequirement>().Any(),
                requirements.Any(r => r is ClaimsAuthorizationRequirement or RolesAuthorizationRequirement or MerchantCredentialRequirement),
                [.. requirements.OfType<IRefusesWithCode>().Select(r => r.Code).Distinct(StringComparer.Ordinal)],
                [.. requirements.OfType<IHidesResource>().Select(r => r.NotFound.Code).Distinct(StringComparer.Ordinal)],
                options);
        }

        /// <summary>The security schemes that may carry such a caller's credential (any one of them).</summary>
        public IEnumerable<string> Schemes =>
            Merchant ? [MerchantKeyScheme] : Person ? [UserTokenScheme] : [UserTokenScheme, MerchantKeyScheme];

        public string Describe()
        {
            string who;
            if (Owner is { Owner: RouteOwnerRequirement.Kind.User } user)
            {
                who = "the voucher's owner (the token's `sub` is the `{userId}` in the path)";
                if (user.ReaderRoles.Length > 0)
                {
                    who += $", or an operator ({RoleList(user.ReaderRoles)})";
                }
            }
            else if (Owner is { Owner: RouteOwnerRequirement.Kind.Merchant })
            {
                who = "the order's merchant, by its credential (the `{orderId}` in the path begins with its merchant id)";
            }
            else if (Roles is { Count: > 0 } roles)
            {
                who = $"an operator ({RoleList(roles)})";
            }
            else if (Merchant)
            {
                who = "a medical service end (merchant), by its credential";
            }
            else if (Person)
            {
                who = "a user (the insured person), by their token";
            }
            else
            {
                who = "any authenticated caller: a user's or operator's token, or a merchant's credential";
            }

            if (RealName)
            {
                var methods = string.Join(" or ", Options.RealNameMethods.Select(m => $"`{m}`"));
                who += $", verified as a person by the identity provider: `verified_claims` with the verified `name` and `national_id`, evidence checked by {methods}, `verification.time` at most {Options.RealNameMaxAge.TotalMinutes:0.#} minutes ago";
            }

            return who;
        }

        private static string RoleList(IEnumerable<string> roles) =>
            "role " + string.Join(" or ", roles.Select(r => $"`{r}`"));
    }

    /// <summary>The one schema of every problem answer (set in place of the schema of <see cref="ProblemDetails"/>).</summary>
    private static OpenApiSchema ProblemSchemaOf(OpenApiDocument document)
    {
        static OpenApiSchema Text(string description, bool nullable = false) =>
            new() { Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem (`application/problem+json`). Clients branch on `code`, which is stable; `title` and `detail` "
                + "are for people. Some problems carry more members, listed here too.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = Text("`https://medpay.dev/problems/{code}`."),
                ["title"] = Text("The code in words."),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
                ["detail"] = Text("What went wrong in this request; never echoes a secret or an identity number."),
                ["code"] = Text("The stable machine-readable error code. Codes are never renamed; new ones may be added, so treat an unknown "
                    + "code by its HTTP status. Known codes: " + string.Join(", ", KnownErrorCodes.Select(c => $"`{c}`")) + "."),
                ["traceId"] = Text("The request's trace id, for support."),
                ["orderId"] = Text("A failed payment or refund: the order."),
                ["orderStatus"] = Text("A failed payment: the order's status after it (`failed`)."),
                ["settlementId"] = Text("A failed payment: its settlement id.", nullable: true),
                ["split"] = new OpenApiSchema
                {
                    Description = "A failed payment: how it was to be split.",
                    OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, new OpenApiSchemaReference(nameof(SplitResponse), document)],
                },
                ["refundId"] = Text("A failed refund: the refund."),
                ["refundStatus"] = Text("A failed refund (recorded before refusals were held for review): its status (`failed`)."),
            },
            Required = new HashSet<string>(["type", "title", "status", "detail", "code"], StringComparer.Ordinal),
        };
    }

    // ---- The document ---------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Vouchers"] = "A person's medical insurance e-voucher: opening it, reading it, consenting to a payment, its orders; "
            + "operators suspend and revoke it.",
        ["Orders"] = "Medical service orders: the merchant creates them, the user pays them (the direct path), the merchant refunds and cancels them.",
        ["Medical service end"] = "The merchant's own view, by its credential: the forwarded payment path, its orders with their notification "
            + "delivery, the daily listing and the reconciliation statement.",
        ["Operators"] = "The merchant registry, the daily check against the insurance platform's statement and the audit trail of operator "
            + "actions. Every change is audited by the operator's name.",
    };

    private sealed class DocumentTransformer : IOpenApiDocumentTransformer
    {
        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Info = new OpenApiInfo
            {
                Title = "MedPay API",
                Version = "v1",
                Description = "MedPay pays medical services with a person's medical insurance e-voucher. JSON in camelCase; money is always an "
                    + "integer number of fen (1 yuan = 100 fen). Every error is an `application/problem+json` problem with a stable `code` "
                    + "(see the `Problem` schema). Every POST accepts an `Idempotency-Key`: a repeat with the key gets the first answer back. "
                    + "Users and operators call with an OpenID Connect access token (`userToken`), medical service ends with their "
                    + "credential (`merchantKey`); each operation says which caller it takes.",
                // No licence is granted: all rights reserved (an SPDX LicenseRef, as OpenAPI 3.1 allows).
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-MedPay-Proprietary" },
            };
            // Relative: the API is where this document was fetched from.
            document.Servers = [new OpenApiServer { Url = "/", Description = "This API, where this document is served." }];
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
                {
                    tag.Description = description;
                }
            }

            AddComponents(document, context.ApplicationServices);
            document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            document.Components.Schemas[ProblemSchema] = ProblemSchemaOf(document);
            return Task.CompletedTask;
        }
    }

    /// <summary>The security schemes, the <c>Idempotency-Key</c> parameter and the <c>Idempotent-Replayed</c> header; once.</summary>
    private static void AddComponents(OpenApiDocument document, IServiceProvider services)
    {
        document.Components ??= new OpenApiComponents();
        var components = document.Components;
        components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        if (components.SecuritySchemes.ContainsKey(UserTokenScheme))
        {
            return;
        }

        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        components.SecuritySchemes[UserTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An OpenID Connect access token of the insured user or of an operator, from the identity provider, for the audience "
                + $"`{auth.Audience}`. `sub` is the user id; operators carry `role` `{auth.OperatorRole}` (may act) or `{auth.AuditorRole}` (reads "
                + "only). Opening a voucher and consenting need the person the identity provider verified, as OpenID Connect for Identity Assurance "
                + "`verified_claims`: `claims.name` and `claims.national_id`, and a `verification` whose evidence was checked by "
                + string.Join(" or ", auth.RealNameMethods.Select(m => $"`{m}`")) + $" (a face check against the ID's photo record) at a `time` at most {auth.RealNameMaxAge.TotalMinutes:0.#} minutes ago. "
                + "The person is never taken from a request body.",
        };
        components.SecuritySchemes[MerchantKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "{merchantId}.{apiKey}",
            Description = "A medical service end's credential, `Authorization: Bearer {merchantId}.{apiKey}`: the API key is shown once, when an "
                + "operator registers the merchant or rotates its credentials.",
        };
        components.Parameters ??= new Dictionary<string, IOpenApiParameter>();
        components.Parameters[IdempotencyKeyParameter] = new OpenApiParameter
        {
            Name = IdempotencyMiddleware.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes the POST safe to repeat: the first answer to a key (status and body, refusals such as a 400, 402 or 409 included) "
                + "is stored for 24 hours with a fingerprint of the request, and a repeat with the key gets exactly that answer back, marked "
                + "`Idempotent-Replayed: true`. The same key with a different body is 422 `idempotency_key_reused`; while the first request "
                + "is still running, a repeat is 409 `idempotency_key_in_use` (with `Retry-After`). 401, 403, 404 and 5xx answers are not "
                + "stored: the same key runs the request again once the cause is fixed. Keys are scoped to the caller and the route.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[!-~]{1,255}$" },
        };
        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        components.Headers[IdempotentReplayedHeader] = new OpenApiHeader
        {
            Description = "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")!] },
        };
    }
}
