using MedPay.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace MedPay.Api;

/// <summary>
/// Refusals as problem details: no credential, or one that is not valid, is 401 <c>unauthorized</c> (with the scheme's
/// <c>WWW-Authenticate</c>); the wrong kind of caller is 403 <c>forbidden</c>; a resource of someone else is 404 with its
/// not-found code, exactly as an id that does not exist; a missing step (verified claims of the person, a recent face check) is 403 with its code.
/// </summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _pages = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (ConsoleAuth.IsDashboard(policy) && !result.Succeeded && context.Request.Headers.Authorization.Count == 0)
        {
            // The dashboard in a browser: sent to the console's sign-in, or to its access-denied page; never a bearer 401.
            if (result.Challenged)
            {
                await ConsoleAuth.ChallengeAsync(context, () => context.ChallengeAsync(ConsoleAuth.DashboardCookieScheme));
            }
            else
            {
                await context.ForbidAsync(ConsoleAuth.DashboardCookieScheme);
            }

            return;
        }

        if (policy.AuthenticationSchemes.Contains(ConsoleAuth.CookieScheme))
        {
            // The console's pages are for people in a browser: a sign-in redirect and an access-denied page, not problems
            // (but a problem when the identity provider to send them to cannot be reached).
            await (result.Challenged
                ? ConsoleAuth.ChallengeAsync(context, () => _pages.HandleAsync(next, context, policy, result))
                : _pages.HandleAsync(next, context, policy, result));
            return;
        }

        if (result.Succeeded)
        {
            await next(context);
            return;
        }

        if (result.Challenged)
        {
            await context.ChallengeAsync();
            await Problems.WriteAsync(context, ErrorCodes.Unauthorized, "Send a valid credential: a bearer token from the identity provider, or the merchant's Bearer {merchantId}.{apiKey}.");
            return;
        }

        await Refuse(context, result.AuthorizationFailure);
    }

    public static Task Refuse(HttpContext context, AuthorizationFailure? failure)
    {
        var failed = failure?.FailedRequirements.ToList() ?? [];
        // The wrong kind of caller (a claim or role it lacks) is told so; only then is anything hidden or asked for.
        if (failed.Any(r => r is ClaimsAuthorizationRequirement or RolesAuthorizationRequirement or DenyAnonymousAuthorizationRequirement or MerchantCredentialRequirement))
        {
            return Problems.WriteAsync(context, ErrorCodes.Forbidden, "This operation is not open to this kind of caller.");
        }

        if (failed.OfType<IHidesResource>().FirstOrDefault() is { } hidden)
        {
            return Problems.WriteAsync(context, hidden.NotFound.Code, hidden.NotFound.Message);
        }

        return failed.OfType<IRefusesWithCode>().FirstOrDefault() is { } coded
            ? Problems.WriteAsync(context, coded.Code, coded.Detail)
            : Problems.WriteAsync(context, ErrorCodes.Forbidden, "This operation is not open to this caller.");
    }
}
