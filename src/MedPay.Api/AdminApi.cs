using MedPay.Contracts;
using static MedPay.Api.EndpointResults;

namespace MedPay.Api;

/// <summary>
/// Operators: the merchant registry and the audit trail. Both operator roles read; only the acting role changes anything,
/// and every change is audited by name (<see cref="OperatorActions"/>).
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin").WithTags("Operators").RequireAuthorization(Policies.OperatorReader);
        admin.MapPost("/merchants", RegisterAsync).RequireAuthorization(Policies.Operator).Accepts<RegisterMerchantRequest>("application/json")
            .WithName("registerMerchant").WithSummary("Register a medical service end: its credentials, shown once")
            .Produces<MerchantCredentialsResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        admin.MapGet("/merchants/{merchantId}", GetMerchantAsync).Produces<MerchantResponse>().ProducesProblem(404)
            .WithName("getMerchant").WithSummary("Read a merchant's registration");
        admin.MapPost("/merchants/{merchantId}/credentials", RotateAsync).RequireAuthorization(Policies.Operator).Accepts<ReasonRequest>(isOptional: true, "application/json")
            .WithName("rotateMerchantCredentials").WithSummary("Rotate a merchant's API key and webhook secret (the old ones stop at once)")
            .Produces<MerchantCredentialsResponse>().ProducesProblem(403).ProducesProblem(404);
        admin.MapPost("/merchants/{merchantId}/callback", SetCallbackAsync).RequireAuthorization(Policies.Operator).Accepts<CallbackRequest>("application/json")
            .WithName("setMerchantCallback").WithSummary("Change or remove a merchant's callback address")
            .Produces<MerchantResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        admin.MapGet("/reconciliation", ReconcilePlatformDayAsync).Produces<PlatformReconciliationResponse>(200, "application/json", "text/csv").ProducesProblem(400)
            .WithName("getPlatformReconciliation").WithSummary("The daily check of the insurance platform's statement against MedPay's records of every merchant")
            .WithDescription("The platform's whole statement of the day (UTC; 3201 totals, 3202 detail) against MedPay's records: every merchant's "
                + "statement of the day checked against the platform, as `GET /v1/merchant/reconciliation` does, for every registered merchant and "
                + "every merchant the platform's lines name. `platformCheck` sums MedPay's totals and the platform's for the same settlements and "
                + "refunds, `platformStated` is what the platform states for its whole day, and `mismatches` lists every difference with its merchant. "
                + "If the platform cannot be reached, `platformCheck.status` is `unavailable` with the reason. JSON, or CSV with `format=csv`.");
        admin.MapGet("/review", ListReviewAsync).Produces<IReadOnlyList<ReviewEntryResponse>>()
            .WithName("listReview").WithSummary("Orders held in manual review across merchants, oldest first");
        admin.MapGet("/review/{orderId}", InspectReviewAsync).Produces<ReviewCaseResponse>().ProducesProblem(404).ProducesProblem(409)
            .WithName("inspectReview").WithSummary("An order in review beside what the platform says of its settlement now")
            .WithDescription("MedPay asks the insurance platform and the cash channel for the settlement by its id (nothing is sent) and answers the "
                + "order with their answer and the one decision it allows: `settle` when the platform holds the settlement with the reserved "
                + "amounts (and the cash channel the cash part), `fail` when nothing stands, or null (no answer now, half settled, other amounts).");
        admin.MapPost("/review/{orderId}/resolve", ResolveReviewAsync).RequireAuthorization(Policies.Operator).Accepts<ResolveReviewRequest>("application/json")
            .WithName("resolveReview").WithSummary("Settle or fail an order in review, as the platform's answer allows")
            .WithDescription("MedPay asks the platform again and carries out the decision only if the answer allows it: settled (the voucher's "
                + "reservation committed) or failed (the reservation given back); the merchant is notified as for any outcome and the decision is "
                + "audited. A decision against the platform's answer is 409 `resolution_contradicts_platform` (or `resolution_amounts_differ`); "
                + "no answer from the platform now is 503 with Retry-After; an order not in review is 409 `order_not_in_review`.")
            .Produces<OrderResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        admin.MapPost("/orders/{orderId}/notifications/resend", ResendAsync).RequireAuthorization(Policies.Operator).Accepts<ReasonRequest>(isOptional: true, "application/json")
            .WithName("resendNotifications").WithSummary("Send an order's notifications to its merchant again, now")
            .WithDescription("Every notification still waiting is sent now, and the order's current outcome is sent again under its event id "
                + "(the merchant recognises a repeat). Audited.")
            .Produces<OrderResponse>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        admin.MapGet("/audit", ListAuditAsync).Produces<IReadOnlyList<AuditEntryResponse>>().ProducesProblem(400)
            .WithName("listAudit").WithSummary("The audit trail of operator actions of a day");
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadAsync<RegisterMerchantRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.IsValid(body!.MerchantId))
        {
            return Problems.For(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        return await OperatorActions.AuditedAsync(context, grains, time, "merchant.register", $"merchant {body.MerchantId}", $"register \"{body.Name}\" ({body.InstitutionCode})", body.Reason, async () =>
        {
            var result = await grains.GetGrain<IMerchantGrain>(body.MerchantId!).RegisterAsync(new(body.Name ?? "", body.InstitutionCode ?? "", body.CallbackUrl));
            return result.IsOk
                ? Results.Created($"/v1/admin/merchants/{body.MerchantId}", MerchantCredentialsResponse.From(result.Value!))
                : Problems.For(result.Error!);
        });
    }

    private static async Task<IResult> GetMerchantAsync(string merchantId, IGrainFactory grains)
    {
        if (!Ids.IsValid(merchantId))
        {
            return MerchantNotFound();
        }

        var result = await grains.GetGrain<IMerchantGrain>(merchantId).GetAsync();
        return result.IsOk ? Results.Ok(MerchantResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> RotateAsync(string merchantId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        if (!Ids.IsValid(merchantId))
        {
            return MerchantNotFound();
        }

        var (reason, problem) = await OptionalReasonAsync(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        return await OperatorActions.AuditedAsync(context, grains, time, "merchant.rotate_credentials", $"merchant {merchantId}", "new API key and webhook secret", reason, async () =>
        {
            var result = await grains.GetGrain<IMerchantGrain>(merchantId).RotateCredentialsAsync();
            return result.IsOk ? Results.Ok(MerchantCredentialsResponse.From(result.Value!)) : Problems.For(result.Error!);
        });
    }

    /// <summary>The optional body <c>{reason?}</c> of an operator action: its reason, or the problem with a body that is there but unreadable.</summary>
    private static async Task<(string? Reason, IResult? Problem)> OptionalReasonAsync(HttpRequest request)
    {
        if (!JsonBody.IsPresent(request))
        {
            return (null, null);
        }

        var (body, problem) = await JsonBody.ReadAsync<ReasonRequest>(request);
        return (body?.Reason, problem);
    }

    private static async Task<IResult> SetCallbackAsync(string merchantId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadAsync<CallbackRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.IsValid(merchantId))
        {
            return MerchantNotFound();
        }

        return await OperatorActions.AuditedAsync(context, grains, time, "merchant.callback", $"merchant {merchantId}", $"callback → {body!.CallbackUrl ?? "(none)"}", body.Reason, async () =>
        {
            var result = await grains.GetGrain<IMerchantGrain>(merchantId).SetCallbackAsync(body.CallbackUrl);
            return result.IsOk ? Results.Ok(MerchantResponse.From(result.Value!)) : Problems.For(result.Error!);
        });
    }

    private static async Task<IResult> ReconcilePlatformDayAsync(HttpContext context, IGrainFactory grains, string? day, string? format)
    {
        if (string.IsNullOrEmpty(day) || !MerchantApi.TryParseDay(day, out var date))
        {
            return Problems.For(ErrorCodes.InvalidDay, "day is required, as YYYY-MM-DD.");
        }

        var check = await grains.GetGrain<IOrderQueryGrain>(0).ReconcilePlatformDayAsync(date);
        return MerchantApi.WantsCsv(context, format)
            ? Results.Text(ReconciliationCsv.Write(check), "text/csv; charset=utf-8")
            : Results.Ok(PlatformReconciliationResponse.From(check));
    }

    private static async Task<IResult> ListReviewAsync(IGrainFactory grains) =>
        Results.Ok((await grains.GetGrain<IReviewQueueGrain>(0).ListAsync(1000)).Select(ReviewEntryResponse.From).ToList());

    private static async Task<IResult> InspectReviewAsync(string orderId, IGrainFactory grains)
    {
        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return Problems.For(Contracts.NotFound.Order);
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).InspectReviewAsync();
        return result.IsOk ? Results.Ok(ReviewCaseResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> ResolveReviewAsync(string orderId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadAsync<ResolveReviewRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        if (WireNames.ParseReviewDecision(body!.Decision) is not { } decision)
        {
            return Problems.For(ErrorCodes.InvalidRequest, "decision must be settle or fail.");
        }

        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 500)
        {
            return Problems.For(ErrorCodes.InvalidRequest, "reason is required: 1 to 500 characters.");
        }

        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return Problems.For(Contracts.NotFound.Order);
        }

        return await ResolveAuditedAsync(context, grains, time, orderId, decision, body.Reason);
    }

    /// <summary>An operator's decision for an order in review, audited (the API's endpoint and the console's form).</summary>
    internal static Task<IResult> ResolveAuditedAsync(HttpContext context, IGrainFactory grains, TimeProvider time, string orderId, ReviewDecision decision, string reason)
    {
        var caller = context.User;
        return OperatorActions.AuditedAsync(context, grains, time, "order.resolve_review", $"order {orderId}", WireNames.Of(decision), reason, async () =>
        {
            var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).ResolveReviewAsync(new(decision, $"{caller.DisplayName()} ({caller.UserId()})", reason.Trim()));
            if (result.IsOk)
            {
                return Results.Ok(OrderResponse.From(result.Value!));
            }

            if (result.Error!.Code == ErrorCodes.PlatformUnavailable)
            {
                context.Response.Headers.RetryAfter = MedPayApi.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Problems.For(result.Error!);
        });
    }

    /// <summary>Re-sends an order's notifications, audited (the API's endpoint and the console's button).</summary>
    internal static Task<IResult> ResendAuditedAsync(HttpContext context, IGrainFactory grains, TimeProvider time, string orderId, string? reason) =>
        OperatorActions.AuditedAsync(context, grains, time, "order.resend_notifications", $"order {orderId}", "notifications sent again", reason, async () =>
        {
            var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).ResendNotificationsAsync();
            return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
        });

    private static async Task<IResult> ResendAsync(string orderId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        var (reason, problem) = await OptionalReasonAsync(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return Problems.For(Contracts.NotFound.Order);
        }

        return await ResendAuditedAsync(context, grains, time, orderId, reason);
    }

    private static async Task<IResult> ListAuditAsync(string? day, IGrainFactory grains, TimeProvider time)
    {
        var date = OperatorActions.Day(time.GetUtcNow());
        if (!string.IsNullOrEmpty(day))
        {
            if (!MerchantApi.TryParseDay(day, out var parsed))
            {
                return Problems.For(ErrorCodes.InvalidDay, "day must be a date as YYYY-MM-DD.");
            }

            date = parsed.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        var entries = await grains.GetGrain<IOperatorAuditGrain>(date).ListAsync();
        return Results.Ok(entries.Select(AuditEntryResponse.From).ToList());
    }
}
