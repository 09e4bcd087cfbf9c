using System.Security.Claims;
using MedPay.Contracts;
using static MedPay.Api.EndpointResults;

namespace MedPay.Api;

/// <summary>
/// E-vouchers: a person opens and consents on their own, as the identity provider verified them (a recent face check,
/// in the token's verified claims); the owner and operators
/// read it; only an acting operator changes its status. Anyone else's voucher does not exist (404).
/// </summary>
public static class VouchersApi
{
    public static IEndpointRouteBuilder MapVouchersApi(this IEndpointRouteBuilder app)
    {
        var vouchers = app.MapGroup("/v1/vouchers").WithTags("Vouchers").RequireAuthorization(Policies.User);
        vouchers.MapPost("", OpenVoucherAsync).RequireAuthorization(Policies.VerifiedUser)
            .WithName("openVoucher").WithSummary("Open the caller's e-voucher")
            .Accepts<OpenVoucherRequest>("application/json").Produces<VoucherResponse>(201).Produces<VoucherResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).ProducesProblem(422).ProducesProblem(503);
        vouchers.MapGet("/{userId}", GetVoucherAsync).RequireAuthorization(Policies.VoucherReader)
            .WithName("getVoucher").WithSummary("Read a voucher: status, balance and the year's accumulators")
            .Produces<VoucherResponse>().ProducesProblem(404);
        vouchers.MapPost("/{userId}/authorizations", AuthorizeAsync).RequireAuthorization(Policies.VoucherOwner, Policies.VerifiedUser)
            .WithName("authorize").WithSummary("Consent to a payment to a merchant: a one-time consent code")
            .Accepts<AuthorizeRequest>("application/json").Produces<AuthorizationResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        vouchers.MapPost("/{userId}/status", SetVoucherStatusAsync).RequireAuthorization(Policies.Operator)
            .WithName("setVoucherStatus").WithSummary("Suspend, reactivate or revoke a voucher")
            .Accepts<VoucherStatusRequest>("application/json").Produces<VoucherResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        vouchers.MapGet("/{userId}/orders", ListUserOrdersAsync).RequireAuthorization(Policies.VoucherReader)
            .WithName("listUserOrders").WithSummary("List the user's orders, newest first")
            .Produces<OrderPageResponse>().ProducesProblem(400).ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> OpenVoucherAsync(HttpContext context, ClaimsPrincipal caller, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<OpenVoucherRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        // A person opens their own voucher: the user id is the token's subject; a body that names another is refused.
        var userId = caller.UserId()!;
        if (body!.UserId is { Length: > 0 } named && named != userId)
        {
            return Problems.For(ErrorCodes.UserMismatch, "A person opens only their own e-voucher: userId must be the token's subject.");
        }

        // Who the person is comes from the identity provider's verified claims, never from the body: a body may repeat
        // them, and one that names anyone else is refused before anything is asked or stored.
        var person = context.VerifiedPerson();
        if ((body.FullName is not null && body.FullName.Trim() != person.FullName)
            || (body.NationalId is not null && !string.Equals(body.NationalId.Trim(), person.NationalId, StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.For(ErrorCodes.IdentityMismatch, "The body names another person than the one the identity provider verified; leave fullName and nationalId out.");
        }

        if (!Ids.IsValid(userId))
        {
            return Problems.For(ErrorCodes.InvalidUserId, "userId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        InsuranceType? type = null;
        if (body.InsuranceType is not null && (type = WireNames.ParseInsuranceType(body.InsuranceType)) is null)
        {
            return Problems.For(ErrorCodes.InvalidInsuranceType, "insuranceType must be employee or resident.");
        }

        var result = await grains.GetGrain<IEVoucherGrain>(userId).OpenAsync(new(person.FullName, person.NationalId, body.InsuredRegion, type));
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

    private static async Task<IResult> AuthorizeAsync(string userId, HttpContext context, IGrainFactory grains)
    {
        var request = context.Request;
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

        if (!Ids.IsValid(body.MerchantId))
        {
            return Problems.For(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        // Consent only for a registered medical service end.
        if (!(await grains.GetGrain<IMerchantGrain>(body.MerchantId!).GetAsync()).IsOk)
        {
            return Problems.For(ErrorCodes.MerchantNotFound, "No medical service end is registered with this merchantId.");
        }

        var result = await grains.GetGrain<IEVoucherGrain>(userId)
            .AuthorizeAsync(new(body.MerchantId!, body.MaxAmountFen!.Value, body.MerchantOrderNo, body.ValidForMinutes ?? 15, context.VerifiedPerson().NationalId));
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        var grant = result.Value!;
        return Results.Created((string?)null, new AuthorizationResponse(grant.AuthCode, grant.MerchantId, grant.MaxAmountFen, grant.MerchantOrderNo, grant.ExpiresAt));
    }

    private static async Task<IResult> SetVoucherStatusAsync(string userId, HttpContext context, IGrainFactory grains, TimeProvider time)
    {
        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        var (body, problem) = await JsonBody.ReadAsync<VoucherStatusRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }

        if (WireNames.ParseVoucherStatus(body!.Status) is not { } status)
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be active, suspended or revoked.");
        }

        return await OperatorActions.AuditedAsync(context, grains, time, "voucher.status", $"voucher {userId}", $"status → {body.Status}", body.Reason, async () =>
        {
            var result = await grains.GetGrain<IEVoucherGrain>(userId).SetStatusAsync(status, body.Reason ?? "operator request");
            return result.IsOk ? Results.Ok(VoucherResponse.From(result.Value!)) : Problems.For(result.Error!);
        });
    }

    private static async Task<IResult> ListUserOrdersAsync(string userId, string? status, string? pageToken, int? pageSize, IGrainFactory grains)
    {
        if (!Ids.IsValid(userId))
        {
            return VoucherNotFound();
        }

        if (!WireNames.TryParseOrderStatus(status, out var filter))
        {
            return Problems.For(ErrorCodes.InvalidRequest, "status must be an order status such as settled or partially_refunded.");
        }

        var voucher = await grains.GetGrain<IEVoucherGrain>(userId).GetAsync();
        if (!voucher.IsOk)
        {
            return Problems.For(voucher.Error!);
        }

        return await PageAsync(() => grains.GetGrain<IOrderQueryGrain>(0).ListForUserAsync(userId, filter, pageToken, pageSize ?? 20));
    }
}
