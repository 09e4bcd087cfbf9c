using System.Globalization;
using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>The medical service end (merchant credentials), the operators' merchant registry, refunds and cancellation.</summary>
public static class MerchantEndpoints
{
    public static IEndpointRouteBuilder MapMedPayMerchants(this IEndpointRouteBuilder app)
    {
        // Every operator operation needs the operator's token, checked once for the whole group.
        var admin = app.MapGroup("/v1/admin/merchants").WithTags("Operators")
            .AddEndpointFilter(async (context, next) =>
                Callers.Operator(context.HttpContext, context.HttpContext.RequestServices.GetRequiredService<IConfiguration>()) ?? await next(context));
        admin.MapPost("", RegisterAsync).Accepts<RegisterMerchantRequest>("application/json")
            .Produces<MerchantCredentialsResponse>(201).ProducesProblem(400).ProducesProblem(401).ProducesProblem(409);
        admin.MapGet("/{merchantId}", GetMerchantAsync).Produces<MerchantResponse>().ProducesProblem(401).ProducesProblem(404);
        admin.MapPost("/{merchantId}/credentials", RotateAsync).Produces<MerchantCredentialsResponse>().ProducesProblem(401).ProducesProblem(404);
        admin.MapPost("/{merchantId}/callback", SetCallbackAsync).Accepts<CallbackRequest>("application/json")
            .Produces<MerchantResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);

        var orders = app.MapGroup("/v1/orders").WithTags("Orders");
        orders.MapPost("/{orderId}/refunds", RefundAsync).Accepts<RefundRequestBody>("application/json")
            .Produces<RefundResponse>().Produces<RefundResponse>(202).ProducesProblem(400).ProducesProblem(401).ProducesProblem(402).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        orders.MapPost("/{orderId}/cancel", CancelAsync).Accepts<CancelRequest>("application/json")
            .Produces<OrderResponse>().ProducesProblem(401).ProducesProblem(404).ProducesProblem(409);

        var merchant = app.MapGroup("/v1/merchant").WithTags("Medical service end");
        merchant.MapPost("/orders/{orderId}/payments", ForwardedPayAsync).Accepts<PayRequest>("application/json")
            .Produces<PaymentResponse>().Produces<PaymentResponse>(202).ProducesProblem(400).ProducesProblem(401).ProducesProblem(402).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        merchant.MapGet("/orders/{orderId}", GetOwnOrderAsync).Produces<OrderResponse>().ProducesProblem(401).ProducesProblem(404);
        merchant.MapGet("/orders", ListOwnOrdersAsync).Produces<OrderPageResponse>().ProducesProblem(400).ProducesProblem(401);
        merchant.MapGet("/reconciliation", ReconcileAsync).Produces<ReconciliationResponse>().Produces(200, contentType: "text/csv").ProducesProblem(400).ProducesProblem(401);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<RegisterMerchantRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.IsValid(body!.MerchantId))
        {
            return Problems.For(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        var result = await grains.GetGrain<IMerchantGrain>(body.MerchantId!).RegisterAsync(new(body.Name ?? "", body.InstitutionCode ?? "", body.CallbackUrl));
        return result.IsOk
            ? Results.Created($"/v1/admin/merchants/{body.MerchantId}", MerchantCredentialsResponse.From(result.Value!))
            : Problems.For(result.Error!);
    }

    private static async Task<IResult> GetMerchantAsync(string merchantId, IGrainFactory grains)
    {
        if (!Ids.IsValid(merchantId))
        {
            return Problems.For(ErrorCodes.MerchantNotFound, "No such merchant.");
        }

        var result = await grains.GetGrain<IMerchantGrain>(merchantId).GetAsync();
        return result.IsOk ? Results.Ok(MerchantResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> RotateAsync(string merchantId, IGrainFactory grains)
    {
        if (!Ids.IsValid(merchantId))
        {
            return Problems.For(ErrorCodes.MerchantNotFound, "No such merchant.");
        }

        var result = await grains.GetGrain<IMerchantGrain>(merchantId).RotateCredentialsAsync();
        return result.IsOk ? Results.Ok(MerchantCredentialsResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> SetCallbackAsync(string merchantId, HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<CallbackRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.IsValid(merchantId))
        {
            return Problems.For(ErrorCodes.MerchantNotFound, "No such merchant.");
        }

        var result = await grains.GetGrain<IMerchantGrain>(merchantId).SetCallbackAsync(body!.CallbackUrl);
        return result.IsOk ? Results.Ok(MerchantResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    /// <summary>Refunds are the merchant's: only the order's own merchant may refund it.</summary>
    private static async Task<IResult> RefundAsync(string orderId, HttpRequest request, IGrainFactory grains)
    {
        var (order, denied) = await OwnOrderAsync(orderId, request.HttpContext, grains);
        if (denied is not null)
        {
            return denied;
        }

        var (body, problem) = await JsonBody.ReadAsync<RefundRequestBody>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.RefundId) || body.AmountFen is null)
        {
            return Problems.For(ErrorCodes.InvalidRequest, $"{(string.IsNullOrEmpty(body.RefundId) ? "refundId" : "amountFen")} is required.");
        }

        var result = await order!.RefundAsync(new(body.RefundId, body.AmountFen.Value, body.Reason ?? ""));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var refund = RefundResponse.From(orderId, result.Value!);
        return result.Value!.Status switch
        {
            RefundStatus.Succeeded => Results.Ok(refund),
            RefundStatus.Pending => Results.Accepted($"/v1/orders/{Uri.EscapeDataString(orderId)}", refund),
            _ => Problems.For(result.Value.Failure ?? new Failure(ErrorCodes.RefundDeclined, "The refund was declined."), new Dictionary<string, object?>
            {
                ["orderId"] = orderId,
                ["refundId"] = refund.RefundId,
                ["refundStatus"] = refund.Status,
            }),
        };
    }

    private static async Task<IResult> CancelAsync(string orderId, HttpRequest request, IGrainFactory grains)
    {
        var (order, denied) = await OwnOrderAsync(orderId, request.HttpContext, grains);
        if (denied is not null)
        {
            return denied;
        }

        var reason = "requested by the merchant";
        if (request.ContentLength is > 0)
        {
            var (body, problem) = await JsonBody.ReadAsync<CancelRequest>(request);
            if (problem is not null)
            {
                return problem;
            }

            reason = string.IsNullOrWhiteSpace(body!.Reason) ? reason : body.Reason[..Math.Min(body.Reason.Length, 200)];
        }

        var result = await order!.CancelAsync(reason);
        return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    /// <summary>The forwarded path: the provider's back end pays for the application, exactly as the direct path does.</summary>
    private static async Task<IResult> ForwardedPayAsync(string orderId, HttpRequest request, IGrainFactory grains)
    {
        var (order, denied) = await OwnOrderAsync(orderId, request.HttpContext, grains);
        if (denied is not null)
        {
            return denied;
        }

        var (body, problem) = await JsonBody.ReadAsync<PayRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.AuthCode))
        {
            return Problems.For(ErrorCodes.InvalidRequest, "authCode is required.");
        }

        if (body.MaxCashFen is < 0)
        {
            return Problems.For(ErrorCodes.InvalidAmount, "maxCashFen must not be negative.");
        }

        return Endpoints.PaymentOutcome(await order!.PayAsync(new(body.AuthCode, body.MaxCashFen)));
    }

    private static async Task<IResult> GetOwnOrderAsync(string orderId, HttpContext context, IGrainFactory grains)
    {
        var (order, denied) = await OwnOrderAsync(orderId, context, grains);
        if (denied is not null)
        {
            return denied;
        }

        var result = await order!.GetAsync();
        return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> ListOwnOrdersAsync(HttpContext context, IGrainFactory grains, string? day, string? status, string? pageToken, int? pageSize)
    {
        var (merchantId, denied) = await Callers.MerchantAsync(context, grains);
        if (denied is not null)
        {
            return denied;
        }

        if (!TryParseDay(day, out var date))
        {
            return Problems.For(ErrorCodes.InvalidDay, "day must be a date as YYYY-MM-DD.");
        }

        if (!Names.TryParseOrderStatus(status, out var filter))
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be an order status such as settled or partially_refunded.");
        }

        return await Listing.PageAsync(() => grains.GetGrain<IOrderQueryGrain>(0).ListForMerchantAsync(merchantId!, date, filter, pageToken, pageSize ?? 20));
    }

    private static async Task<IResult> ReconcileAsync(HttpContext context, IGrainFactory grains, string? day, string? format)
    {
        var (merchantId, denied) = await Callers.MerchantAsync(context, grains);
        if (denied is not null)
        {
            return denied;
        }

        if (string.IsNullOrEmpty(day) || !TryParseDay(day, out var date))
        {
            return Problems.For(ErrorCodes.InvalidDay, "day is required, as YYYY-MM-DD.");
        }

        var statement = await grains.GetGrain<IOrderQueryGrain>(0).ReconcileAsync(merchantId!, date);
        var csv = format == "csv" || (format is null && context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase));
        return csv
            ? Results.Text(MedPay.Contracts.ReconciliationCsv.Write(statement), "text/csv; charset=utf-8")
            : Results.Ok(ReconciliationResponse.From(statement));
    }

    /// <summary>A merchant reaches only its own orders: any other order id is simply not found.</summary>
    private static async Task<(IMedicalOrderGrain? Order, IResult? Problem)> OwnOrderAsync(string orderId, HttpContext context, IGrainFactory grains)
    {
        var (merchantId, denied) = await Callers.MerchantAsync(context, grains);
        if (denied is not null)
        {
            return (null, denied);
        }

        return OrderIds.TryParse(orderId, out var owner, out _) && owner == merchantId
            ? (grains.GetGrain<IMedicalOrderGrain>(orderId), null)
            : (null, Problems.For(ErrorCodes.OrderNotFound, "No such order."));
    }

    private static bool TryParseDay(string? day, out DateOnly date)
    {
        date = DateOnly.FromDateTime(DateTime.UtcNow);
        return string.IsNullOrEmpty(day) || DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}

public static class Listing
{
    public static async Task<IResult> PageAsync(Func<Task<OrderPage>> list)
    {
        try
        {
            return Results.Ok(OrderPageResponse.From(await list()));
        }
        catch (ArgumentException)
        {
            return Problems.For(ErrorCodes.InvalidPageToken, "pageToken is not one this listing gave out.");
        }
    }
}
