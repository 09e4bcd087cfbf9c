using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace MedPay.Api;

/// <summary>
/// HTTP hygiene: no response under <c>/v1</c> may be stored by a cache (they carry balances, consent codes, API keys);
/// outside Development, HTTPS redirection and HSTS; and client errors are logged as such, without their values.
/// </summary>
public static partial class Hygiene
{
    public static WebApplicationBuilder AddMedPayHygiene(this WebApplicationBuilder builder)
    {
        // A query or route value that does not bind is thrown as a BadHttpRequestException in every environment, so
        // that it goes through the exception handler below, which never logs the value.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        return builder;
    }

    public static WebApplication UseMedPayHygiene(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1"))
            {
                context.Response.OnStarting(static state =>
                {
                    var response = (HttpResponse)state;
                    response.Headers.CacheControl = "no-store";
                    response.Headers.Pragma = "no-cache";
                    return Task.CompletedTask;
                }, context.Response);
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// The exception handler's own diagnostics (an Error with the stack trace) only for server errors; a request the
    /// client got wrong (an oversize or too slow body, a malformed request, a value that does not bind) is one Debug
    /// line with its status and route, never the exception's message, which may echo what was sent.
    /// </summary>
    public static ExceptionHandlerOptions WithClientErrorsQuiet(this ExceptionHandlerOptions options)
    {
        options.SuppressDiagnosticsCallback = context =>
        {
            if (context.Exception is not BadHttpRequestException bad)
            {
                return false;
            }

            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Hygiene).FullName!);
            var route = (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            LogClientError(logger, bad.StatusCode, context.HttpContext.Request.Method, route);
            return true;
        };
        return options;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client error {StatusCode} on {Method} {Route}")]
    private static partial void LogClientError(ILogger logger, int statusCode, string method, string route);
}
