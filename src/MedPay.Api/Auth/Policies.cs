using System.Globalization;
using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// Who may do what. Deny unless a policy says otherwise: the fallback policy asks for an authenticated caller, and each
/// route group names its policy. A requirement that guards a resource by its id hides it: failing it answers 404, exactly
/// as if the id did not exist.
/// </summary>
public static class Policies
{
    /// <summary>A person with a token from the authority (users; operators are people too).</summary>
    public const string User = "user";

    /// <summary>A person the identity provider verified (verified claims, see <see cref="VerifiedPerson"/>) by a recent face check: to open a voucher or consent.</summary>
    public const string VerifiedUser = "user.verified";

    /// <summary>The user named by the route's <c>{userId}</c>; for anyone else the voucher does not exist.</summary>
    public const string VoucherOwner = "voucher.owner";

    /// <summary>The voucher's owner, or an operator of either role.</summary>
    public const string VoucherReader = "voucher.reader";

    /// <summary>A medical service end, by its credential.</summary>
    public const string Merchant = "merchant";

    /// <summary>The merchant whose id begins the route's <c>{orderId}</c>; for any other the order does not exist.</summary>
    public const string OrderMerchant = "order.merchant";

    /// <summary>An operator who may act.</summary>
    public const string Operator = "operator";

    /// <summary>An operator of either role: may read what operators read.</summary>
    public const string OperatorReader = "operator.reader";

    /// <summary>Resource-based: who may read a loaded order (its user, its merchant, operators).</summary>
    public const string OrderReader = "order.reader";

    public static IServiceCollection AddMedPayAuthorization(this IServiceCollection services)
    {
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationHandler, VerifiedPersonHandler>();
        services.AddSingleton<IAuthorizationHandler, RouteOwnerHandler>();
        services.AddSingleton<IAuthorizationHandler, MerchantCredentialHandler>();
        services.AddSingleton<IAuthorizationHandler, OrderReaderHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddOptions<AuthorizationOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            var (operatorRole, auditorRole) = AuthOptions.Roles(configuration);
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            o.AddPolicy(User, p => p.RequireClaim(Callers.SubjectClaim));
            o.AddPolicy(VerifiedUser, p => p.RequireClaim(Callers.SubjectClaim).AddRequirements(new VerifiedPersonRequirement(), new RecentVerificationRequirement()));
            o.AddPolicy(VoucherOwner, p => p.RequireClaim(Callers.SubjectClaim).AddRequirements(new RouteOwnerRequirement(RouteOwnerRequirement.Kind.User, [])));
            o.AddPolicy(VoucherReader, p => p.RequireClaim(Callers.SubjectClaim).AddRequirements(new RouteOwnerRequirement(RouteOwnerRequirement.Kind.User, [operatorRole, auditorRole])));
            // A merchant is whoever the merchant scheme authenticated, and no one else: a claim of that name in a person's token counts for nothing.
            o.AddPolicy(Merchant, p => p.AddRequirements(new MerchantCredentialRequirement()));
            o.AddPolicy(OrderMerchant, p => p.AddRequirements(new MerchantCredentialRequirement(), new RouteOwnerRequirement(RouteOwnerRequirement.Kind.Merchant, [])));
            o.AddPolicy(Operator, p => p.RequireClaim(Callers.SubjectClaim).RequireRole(operatorRole));
            o.AddPolicy(OperatorReader, p => p.RequireClaim(Callers.SubjectClaim).RequireRole(operatorRole, auditorRole));
            o.AddPolicy(OrderReader, p => p.AddRequirements(new OrderReaderRequirement([operatorRole, auditorRole])));
        });
        return services;
    }
}

/// <summary>A requirement whose failure hides the resource: the caller gets the not-found answer with this code.</summary>
public interface IHidesResource
{
    /// <summary>The answer for an id that does not exist, given word for word.</summary>
    Failure NotFound { get; }
}

/// <summary>A requirement whose failure is a 403 with its own code.</summary>
public interface IRefusesWithCode
{
    string Code { get; }

    string Detail { get; }
}

/// <summary>The caller is a medical service end authenticated by its merchant credential (the merchant scheme), not a token naming one.</summary>
public sealed class MerchantCredentialRequirement : IAuthorizationRequirement;

public sealed class MerchantCredentialHandler : AuthorizationHandler<MerchantCredentialRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MerchantCredentialRequirement requirement)
    {
        if (context.User.MerchantId() is not null)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The route's resource belongs to the caller: <c>{userId}</c> is the user's own (or the caller holds one of
/// <see cref="ReaderRoles"/>), or <c>{orderId}</c> begins with the merchant's id.
/// </summary>
public sealed class RouteOwnerRequirement(RouteOwnerRequirement.Kind kind, string[] readerRoles) : IAuthorizationRequirement, IHidesResource
{
    public enum Kind
    {
        User,
        Merchant,
    }

    public Kind Owner => kind;

    public string[] ReaderRoles => readerRoles;

    public Failure NotFound => kind == Kind.User ? Contracts.NotFound.Voucher : Contracts.NotFound.Order;
}

public sealed class RouteOwnerHandler : AuthorizationHandler<RouteOwnerRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RouteOwnerRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            return Task.CompletedTask;
        }

        var owns = requirement.Owner switch
        {
            RouteOwnerRequirement.Kind.User => http.GetRouteValue("userId") is string userId && userId == context.User.UserId(),
            _ => http.GetRouteValue("orderId") is string orderId && OrderIds.TryParse(orderId, out var merchantId, out _) && merchantId == context.User.MerchantId(),
        };
        if (owns || requirement.ReaderRoles.Any(context.User.IsInRole))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A loaded order may be read by its user, its merchant and operators; for anyone else it does not exist.</summary>
public sealed class OrderReaderRequirement(string[] operatorRoles) : IAuthorizationRequirement, IHidesResource
{
    public string[] OperatorRoles => operatorRoles;

    public Failure NotFound => Contracts.NotFound.Order;
}

public sealed class OrderReaderHandler : AuthorizationHandler<OrderReaderRequirement, OrderView>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OrderReaderRequirement requirement, OrderView order)
    {
        var caller = context.User;
        if ((caller.UserId() is { } userId && userId == order.UserId)
            || (caller.MerchantId() is { } merchantId && merchantId == order.MerchantId)
            || (caller.UserId() is not null && requirement.OperatorRoles.Any(caller.IsInRole)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
