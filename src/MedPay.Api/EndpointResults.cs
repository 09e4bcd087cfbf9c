using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>What the resource endpoints share: required fields, the payment outcome rule, and paged listings.</summary>
public static class EndpointResults
{
    /// <summary>The first field that is missing (null or empty) as a 400 <c>invalid_request</c>, or null.</summary>
    public static IResult? Missing(params (string Name, object? Value)[] fields)
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

    public static IResult VoucherNotFound() => Problems.For(NotFound.Voucher);

    public static IResult OrderNotFound() => Problems.For(NotFound.Order);

    public static IResult MerchantNotFound() => Problems.For(NotFound.Merchant);
}
