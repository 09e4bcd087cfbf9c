using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace MedPay.Api;

/// <summary>
/// The operator console: Razor Pages under <c>/console</c>, rendered on the server (tables, forms and SVG charts; no
/// script and nothing from another origin, which its Content-Security-Policy enforces), signed in by <see cref="ConsoleAuth"/>.
/// </summary>
public static class ConsolePages
{
    private const string Csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// The Orleans dashboard is a script application of its own, served from this origin: its scripts, fonts and calls
    /// to itself only, nothing from another origin, no framing; its charts set inline styles.
    /// </summary>
    private const string DashboardCsp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IServiceCollection AddMedPayConsolePages(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Console";
            foreach (var page in new[] { "/Index", "/Review", "/ReviewOrder", "/Merchants", "/Voucher" })
            {
                o.Conventions.AuthorizePage(page, ConsoleAuth.Readers);
            }

            // Anyone signed in may be told that the console is not theirs.
            o.Conventions.AuthorizePage("/Denied", ConsoleAuth.SignedIn);
        }).AddApplicationPart(typeof(ConsolePages).Assembly); // also where another program hosts the API (the tests)
        return services;
    }

    /// <summary>The console's (and the sign-in form's) security headers, on every answer, the sign-in redirects included.</summary>
    public static WebApplication UseMedPayConsoleHeaders(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var dashboard = context.Request.Path.StartsWithSegments(MedPayApi.DashboardPath);
            if (dashboard || context.Request.Path.StartsWithSegments(ConsoleAuth.Path) || context.Request.Path.StartsWithSegments(DevelopmentTokenIssuer.AuthorizePath))
            {
                context.Response.Headers.ContentSecurityPolicy = dashboard ? DashboardCsp : Csp;
                context.Response.Headers.XContentTypeOptions = "nosniff";
                context.Response.Headers["Referrer-Policy"] = "same-origin";
                context.Response.Headers.CacheControl = "no-store";
            }

            await next(context);
        });
        return app;
    }

    public static WebApplication MapMedPayConsole(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/", () => Results.Redirect(ConsoleAuth.Path)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(ConsoleAuth.Path + "/console.css", () => Results.Stream(
            typeof(ConsolePages).Assembly.GetManifestResourceStream("MedPay.Api.Console.console.css")!, "text/css; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(ConsoleAuth.Path + "/signout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }

            await context.SignOutAsync(ConsoleAuth.CookieScheme);
            await context.SignOutAsync(ConsoleAuth.DashboardCookieScheme);
            return Results.Redirect(ConsoleAuth.Path);
        }).RequireAuthorization(ConsoleAuth.Readers).ExcludeFromDescription();
        return app;
    }
}
