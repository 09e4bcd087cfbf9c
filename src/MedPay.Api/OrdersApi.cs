using System.Collections.Immutable;
using System.Security.Claims;
using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using static MedPay.Api.EndpointResults;

namespace MedPay.Api;

/// <summary>
/// Medical service orders: a merchant creates its own; the order's user pays it (the direct path); its user, its merchant
/// and operators read it; its merchant refunds and cancels it. For anyone else the order does not exist (404).
/// </summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/v1/orders").WithTags("Orders").RequireAuthorization();
        orders.MapPost("", CreateOrderAsync).RequireAuthorization(Policies.Merchant)
            .WithName("createOrder").WithSummary("Create an order of the merchant's")
            .Accepts<CreateOrderRequest>("application/json").Produces<OrderResponse>(201).Produces<OrderResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        orders.MapGet("/{orderId}", GetOrderAsync)
            .WithName("getOrder").WithSummary("Read an order (its user, its merchant or an operator)")
            .Produces<OrderResponse>().ProducesProblem(404);
        orders.MapPost("/{orderId}/payments", PayAsync).RequireAuthorization(Policies.User)
            .WithName("payOrder").WithSummary("Pay an order with the user's consent code (the direct path)")
            .Accepts<PayRequest>("application/json").Produces<PaymentResponse>().Produces<PaymentResponse>(202)
            .ProducesProblem(400).ProducesProblem(402).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        orders.MapPost("/{orderId}/refunds", RefundAsync).RequireAuthorization(Policies.OrderMerchant)
            .WithName("refundOrder").WithSummary("Refund a paid order, in full or in part")
            .WithDescription("200 with `status: \"succeeded\"` once refunded. 202 with `status: \"pending\"` while its outcome is not known "
                + "(the same request again resumes it), or `status: \"manual_review\"` when a person must settle it, with the reason in "
                + "`failure`: `refund_declined` (the platform or the cash channel refused it) or `refund_unknown` (its outcome stayed "
                + "unknown too long).")
            .Accepts<RefundRequestBody>("application/json").Produces<RefundResponse>().Produces<RefundResponse>(202)
            .ProducesProblem(400).ProducesProblem(402).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        orders.MapPost("/{orderId}/cancel", CancelAsync).RequireAuthorization(Policies.OrderMerchant)
            .WithName("cancelOrder").WithSummary("Cancel an unpaid order")
            .Accepts<CancelRequest>(isOptional: true, "application/json").Produces<OrderResponse>().ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<IResult> CreateOrderAsync(HttpRequest request, ClaimsPrincipal caller, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateOrderRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        // The merchant creates its own orders: its id is the credential's; a body that names another is refused.
        var merchantId = caller.MerchantId()!;
        if (body!.MerchantId is { Length: > 0 } named && named != merchantId)
        {
            return Problems.For(ErrorCodes.MerchantMismatch, "A merchant creates only its own orders: merchantId must be the credential's.");
        }

        if (Missing(("merchantOrderNo", body.MerchantOrderNo), ("userId", body.UserId), ("items", body.Items)) is { } missing)
        {
            return missing;
        }

        if (!Ids.IsValid(body.MerchantOrderNo, allowDot: true))
        {
            return Problems.For(ErrorCodes.InvalidMerchantOrderNo, "merchantOrderNo must be 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (!Ids.IsValid(body.UserId))
        {
            return Problems.For(ErrorCodes.InvalidUserId, "userId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        var items = ImmutableArray.CreateBuilder<OrderItem>(body.Items!.Count);
        for (var i = 0; i < body.Items.Count; i++)
        {
            var item = body.Items[i];
            if (item is null)
            {
                return Problems.For(ErrorCodes.InvalidItem, $"items[{i}] must be an object.");
            }

            if (Missing(($"items[{i}].code", item.Code), ($"items[{i}].name", item.Name), ($"items[{i}].category", item.Category), ($"items[{i}].unitPriceFen", item.UnitPriceFen), ($"items[{i}].quantity", item.Quantity)) is { } missingField)
            {
                return missingField;
            }

            if (WireNames.ParseCategory(item.Category) is not { } category)
            {
                return Problems.For(ErrorCodes.UnknownCategory, $"items[{i}].category must be A, B or C.");
            }

            items.Add(new(item.Code!, item.Name!, category, item.UnitPriceFen!.Value, item.Quantity!.Value));
        }

        var orderId = OrderIds.For(merchantId, body.MerchantOrderNo!);
        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).CreateAsync(new(merchantId, body.MerchantOrderNo!, body.UserId!, items.ToImmutable()));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var view = OrderResponse.From(result.Value!.Order);
        return result.Value.Created ? Results.Created($"/v1/orders/{Uri.EscapeDataString(orderId)}", view) : Results.Ok(view);
    }

    /// <summary>
    /// Its user, its merchant and operators read an order: decided on the order itself, once loaded. The result
    /// notifications (with their delivery errors) are the merchant's and operators' business: the user's view has none.
    /// </summary>
    private static async Task<IResult> GetOrderAsync(string orderId, ClaimsPrincipal caller, IGrainFactory grains, IAuthorizationService authorization, IOptions<AuthOptions> auth)
    {
        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return OrderNotFound();
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).GetAsync();
        if (!result.IsOk || !(await authorization.AuthorizeAsync(caller, result.Value!, Policies.OrderReader)).Succeeded)
        {
            return OrderNotFound();
        }

        var order = result.Value!;
        var seesDeliveries = caller.MerchantId() == order.MerchantId || caller.IsInRole(auth.Value.OperatorRole) || caller.IsInRole(auth.Value.AuditorRole);
        return Results.Ok(OrderResponse.From(order, withNotifications: seesDeliveries));
    }

    /// <summary>The direct path: the application pays with the user's token; only the order's own user can pay it.</summary>
    private static async Task<IResult> PayAsync(string orderId, HttpRequest request, ClaimsPrincipal caller, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<PayRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Missing(("authCode", body!.AuthCode)) is { } missing)
        {
            return missing;
        }

        if (body.MaxCashFen is < 0)
        {
            return Problems.For(ErrorCodes.InvalidAmount, "maxCashFen must not be negative.");
        }

        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return OrderNotFound();
        }

        return PaymentOutcome(await grains.GetGrain<IMedicalOrderGrain>(orderId).PayAsync(new(body.AuthCode!, body.MaxCashFen, caller.UserId())));
    }

    /// <summary>Refunds are the merchant's: only the order's own merchant may refund it.</summary>
    private static async Task<IResult> RefundAsync(string orderId, HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<RefundRequestBody>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.RefundId) || body.AmountFen is null)
        {
            return Problems.For(ErrorCodes.InvalidRequest, $"{(string.IsNullOrEmpty(body.RefundId) ? "refundId" : "amountFen")} is required.");
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).RefundAsync(new(body.RefundId, body.AmountFen.Value, body.Reason ?? ""));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var refund = RefundResponse.From(orderId, result.Value!);
        return result.Value!.Status switch
        {
            RefundStatus.Succeeded => Results.Ok(refund),
            // Not refused for good: still being found out, or held for a person to settle (the reason in `failure`).
            RefundStatus.Pending or RefundStatus.ManualReview => Results.Accepted($"/v1/orders/{Uri.EscapeDataString(orderId)}", refund),
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
        var reason = "requested by the merchant";
        if (JsonBody.IsPresent(request))
        {
            var (body, problem) = await JsonBody.ReadAsync<CancelRequest>(request);
            if (problem is not null)
            {
                return problem;
            }

            reason = string.IsNullOrWhiteSpace(body!.Reason) ? reason : body.Reason[..Math.Min(body.Reason.Length, 200)];
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).CancelAsync(reason);
        return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
    }
}
