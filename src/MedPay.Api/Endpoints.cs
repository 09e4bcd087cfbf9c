using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Api;

public static class Endpoints
{
    public static IEndpointRouteBuilder MapMedPay(this IEndpointRouteBuilder app)
    {
        var vouchers = app.MapGroup("/v1/vouchers").WithTags("Vouchers");
        vouchers.MapPost("", OpenVoucherAsync)
            .Accepts<OpenVoucherRequest>("application/json").Produces<VoucherResponse>(201).Produces<VoucherResponse>().ProducesProblem(400).ProducesProblem(409);
        vouchers.MapGet("/{userId}", GetVoucherAsync).Produces<VoucherResponse>().ProducesProblem(404);
        vouchers.MapPost("/{userId}/authorizations", AuthorizeAsync)
            .Accepts<AuthorizeRequest>("application/json").Produces<AuthorizationResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        vouchers.MapPost("/{userId}/status", SetVoucherStatusAsync)
            .Accepts<VoucherStatusRequest>("application/json").Produces<VoucherResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        vouchers.MapGet("/{userId}/orders", ListUserOrdersAsync).Produces<OrderPageResponse>().ProducesProblem(400).ProducesProblem(404);

        var orders = app.MapGroup("/v1/orders").WithTags("Orders");
        orders.MapPost("", CreateOrderAsync)
            .Accepts<CreateOrderRequest>("application/json").Produces<OrderResponse>(201).Produces<OrderResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        orders.MapGet("/{orderId}", GetOrderAsync).Produces<OrderResponse>().ProducesProblem(404);
        orders.MapPost("/{orderId}/payments", PayAsync)
            .Accepts<PayRequest>("application/json").Produces<PaymentResponse>().Produces<PaymentResponse>(202)
            .ProducesProblem(400).ProducesProblem(402).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<IResult> OpenVoucherAsync(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<OpenVoucherRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Missing(("userId", body!.UserId), ("fullName", body.FullName), ("nationalId", body.NationalId), ("insuredRegion", body.InsuredRegion), ("insuranceType", body.InsuranceType)) is { } missing)
        {
            return missing;
        }

        if (!Ids.IsValid(body.UserId))
        {
            return Problems.For(ErrorCodes.InvalidUserId, "userId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (Names.ParseInsuranceType(body.InsuranceType) is not { } type)
        {
            return Problems.For(ErrorCodes.InvalidInsuranceType, "insuranceType must be employee or resident.");
        }

        var result = await grains.GetGrain<IEVoucherGrain>(body.UserId!).OpenAsync(new(body.FullName!, body.NationalId!, body.InsuredRegion!, type));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var view = VoucherResponse.From(result.Value!.Voucher);
        return result.Value.Opened ? Results.Created($"/v1/vouchers/{view.UserId}", view) : Results.Ok(view);
    }

    private static async Task<IResult> GetVoucherAsync(string userId, IGrainFactory grains)
    {
        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        var result = await grains.GetGrain<IEVoucherGrain>(userId).GetAsync();
        return result.IsOk ? Results.Ok(VoucherResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> AuthorizeAsync(string userId, HttpRequest request, IGrainFactory grains)
    {
        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        var (body, problem) = await JsonBody.ReadAsync<AuthorizeRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Missing(("merchantId", body!.MerchantId), ("maxAmountFen", body.MaxAmountFen)) is { } missing)
        {
            return missing;
        }

        var result = await grains.GetGrain<IEVoucherGrain>(userId)
            .AuthorizeAsync(new(body.MerchantId!, body.MaxAmountFen!.Value, body.MerchantOrderNo, body.ValidForMinutes ?? 15));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var grant = result.Value!;
        return Results.Created((string?)null, new AuthorizationResponse(grant.AuthCode, grant.MerchantId, grant.MaxAmountFen, grant.MerchantOrderNo, grant.ExpiresAt));
    }

    private static async Task<IResult> SetVoucherStatusAsync(string userId, HttpRequest request, IGrainFactory grains, IConfiguration configuration)
    {
        if (Callers.Operator(request.HttpContext, configuration) is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        var (body, problem) = await JsonBody.ReadAsync<VoucherStatusRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Names.ParseVoucherStatus(body!.Status) is not { } status)
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be active, suspended or revoked.");
        }

        var result = await grains.GetGrain<IEVoucherGrain>(userId).SetStatusAsync(status, body.Reason ?? "operator request");
        return result.IsOk ? Results.Ok(VoucherResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> CreateOrderAsync(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateOrderRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Missing(("merchantId", body!.MerchantId), ("merchantOrderNo", body.MerchantOrderNo), ("userId", body.UserId), ("items", body.Items)) is { } missing)
        {
            return missing;
        }

        if (!Ids.IsValid(body.MerchantId))
        {
            return Problems.For(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
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

            if (Names.ParseCategory(item.Category) is not { } category)
            {
                return Problems.For(ErrorCodes.UnknownCategory, $"items[{i}].category must be A, B or C.");
            }

            items.Add(new(item.Code!, item.Name!, category, item.UnitPriceFen!.Value, item.Quantity!.Value));
        }

        var orderId = OrderIds.For(body.MerchantId!, body.MerchantOrderNo!);
        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).CreateAsync(new(body.MerchantId!, body.MerchantOrderNo!, body.UserId!, items.ToImmutable()));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var view = OrderResponse.From(result.Value!.Order);
        return result.Value.Created ? Results.Created($"/v1/orders/{Uri.EscapeDataString(orderId)}", view) : Results.Ok(view);
    }

    private static async Task<IResult> ListUserOrdersAsync(string userId, string? status, string? pageToken, int? pageSize, IGrainFactory grains)
    {
        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        if (!Names.TryParseOrderStatus(status, out var filter))
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be an order status such as settled or partially_refunded.");
        }

        var voucher = await grains.GetGrain<IEVoucherGrain>(userId).GetAsync();
        if (!voucher.IsOk)
        {
            return Problems.For(voucher.Error!);
        }

        return await Listing.PageAsync(() => grains.GetGrain<IOrderQueryGrain>(0).ListForUserAsync(userId, filter, pageToken, pageSize ?? 20));
    }

    private static async Task<IResult> GetOrderAsync(string orderId, IGrainFactory grains)
    {
        if (!OrderIds.TryParse(orderId, out _, out _))
        {
            return Problems.For(ErrorCodes.OrderNotFound, "No such order.");
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).GetAsync();
        return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> PayAsync(string orderId, HttpRequest request, IGrainFactory grains)
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
            return Problems.For(ErrorCodes.OrderNotFound, "No such order.");
        }

        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).PayAsync(new(body.AuthCode!, body.MaxCashFen));
        return PaymentOutcome(result);
    }

    /// <summary>
    /// Settled: 200. Outcome not yet known (paying) or held for review: 202 with the same body. Failed: a 402 problem whose
    /// code is the failure's, with the payment fields as extensions. Refused before paying (consent, voucher, order state): 4xx.
    /// </summary>
    public static IResult PaymentOutcome(Result<PaymentResult> result)
    {
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var payment = result.Value!;
        var body = PaymentResponse.From(payment);
        return payment.Status switch
        {
            OrderStatus.Failed => Problems.For(payment.Failure!, new Dictionary<string, object?>
            {
                ["orderId"] = body.OrderId,
                ["orderStatus"] = body.Status,
                ["settlementId"] = body.SettlementId,
                ["split"] = body.Split,
            }),
            OrderStatus.Paying or OrderStatus.ManualReview => Results.Accepted($"/v1/orders/{Uri.EscapeDataString(payment.OrderId)}", body),
            _ => Results.Ok(body),
        };
    }

    private static IResult VoucherNotFound() => Problems.For(ErrorCodes.VoucherNotFound, "No e-voucher is open for this user.");

    private static IResult? Missing(params (string Name, object? Value)[] fields)
    {
        foreach (var (name, value) in fields)
        {
            if (value is null || value is string { Length: 0 })
            {
                return Problems.For(ErrorCodes.InvalidRequest, $"{name} is required.");
            }
        }

        return null;
    }
}
