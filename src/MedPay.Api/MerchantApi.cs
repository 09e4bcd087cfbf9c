using System.Globalization;
using System.Security.Claims;
using MedPay.Contracts;
using static MedPay.Api.EndpointResults;

namespace MedPay.Api;

/// <summary>
/// The medical service end, by its merchant credential: the forwarded payment path, its orders with their notification
/// delivery state, its daily listings and statement. Another merchant's order does not exist for it (404).
/// </summary>
public static class MerchantApi
{
    public static IEndpointRouteBuilder MapMerchantApi(this IEndpointRouteBuilder app)
    {
        var merchant = app.MapGroup("/v1/merchant").WithTags("Medical service end").RequireAuthorization(Policies.Merchant);
        merchant.MapPost("/orders/{orderId}/payments", ForwardedPayAsync).RequireAuthorization(Policies.OrderMerchant).Accepts<PayRequest>("application/json")
            .WithName("payForwarded").WithSummary("Pay an order for the user (the forwarded path)")
            .Produces<PaymentResponse>().Produces<PaymentResponse>(202).ProducesProblem(400).ProducesProblem(402).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        merchant.MapGet("/orders/{orderId}", GetOwnOrderAsync).RequireAuthorization(Policies.OrderMerchant)
            .WithName("getMerchantOrder").WithSummary("Read one of the merchant's orders, with refunds and notification delivery")
            .Produces<OrderResponse>().ProducesProblem(404);
        merchant.MapGet("/orders", ListOwnOrdersAsync).Produces<OrderPageResponse>().ProducesProblem(400)
            .WithName("listMerchantOrders").WithSummary("List the merchant's orders of a day, newest first");
        merchant.MapGet("/reconciliation", ReconcileAsync).Produces<ReconciliationResponse>(200, "application/json", "text/csv").ProducesProblem(400)
            .WithName("getReconciliation").WithSummary("The merchant's daily reconciliation statement, checked against the insurance platform's statement, as JSON or CSV")
            .WithDescription("The merchant's orders created on the day (UTC), checked against the payment-gateway records and against the insurance "
                + "platform's own statement (3201/3202): `platformCheck` gives MedPay's totals next to the platform's, and every difference is in "
                + "`mismatches` with its kind in `what` and the platform's side in `platform`. Settlements are matched by settlement id with the "
                + "platform's statements of the day and the days either side; refunds are those requested on the day, whatever day their order was "
                + "created. If the platform cannot be reached the statement still answers with MedPay's side, `platformCheck.status` `unavailable` "
                + "and the reason.");
        return app;
    }

    /// <summary>The forwarded path: the provider's back end pays for the application, exactly as the direct path does.</summary>
    private static async Task<IResult> ForwardedPayAsync(string orderId, HttpRequest request, IGrainFactory grains)
    {
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

        return PaymentOutcome(await grains.GetGrain<IMedicalOrderGrain>(orderId).PayAsync(new(body.AuthCode, body.MaxCashFen)));
    }

    private static async Task<IResult> GetOwnOrderAsync(string orderId, IGrainFactory grains)
    {
        var result = await grains.GetGrain<IMedicalOrderGrain>(orderId).GetAsync();
        return result.IsOk ? Results.Ok(OrderResponse.From(result.Value!)) : Problems.For(result.Error!);
    }

    private static async Task<IResult> ListOwnOrdersAsync(ClaimsPrincipal caller, IGrainFactory grains, string? day, string? status, string? pageToken, int? pageSize)
    {
        if (!TryParseDay(day, out var date))
        {
            return Problems.For(ErrorCodes.InvalidDay, "day must be a date as YYYY-MM-DD.");
        }

        if (!WireNames.TryParseOrderStatus(status, out var filter))
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be an order status such as settled or partially_refunded.");
        }

        return await PageAsync(() => grains.GetGrain<IOrderQueryGrain>(0).ListForMerchantAsync(caller.MerchantId()!, date, filter, pageToken, pageSize ?? 20));
    }

    private static async Task<IResult> ReconcileAsync(HttpContext context, ClaimsPrincipal caller, IGrainFactory grains, string? day, string? format)
    {
        if (string.IsNullOrEmpty(day) || !TryParseDay(day, out var date))
        {
            return Problems.For(ErrorCodes.InvalidDay, "day is required, as YYYY-MM-DD.");
        }

        var statement = await grains.GetGrain<IOrderQueryGrain>(0).ReconcileAsync(caller.MerchantId()!, date);
        return WantsCsv(context, format)
            ? Results.Text(ReconciliationCsv.Write(statement), "text/csv; charset=utf-8")
            : Results.Ok(ReconciliationResponse.From(statement));
    }

    /// <summary><c>format=csv</c>, or no format and an <c>Accept</c> that asks for <c>text/csv</c>.</summary>
    public static bool WantsCsv(HttpContext context, string? format) =>
        format == "csv" || (format is null && context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase));

    public static bool TryParseDay(string? day, out DateOnly date)
    {
        date = DateOnly.FromDateTime(DateTime.UtcNow);
        return string.IsNullOrEmpty(day) || DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}
