using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using MedPay.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Orleans.Dashboard;
using Scalar.AspNetCore;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Runtime;

namespace MedPay.Api;

/// <summary>Builds the frontend API: an Orleans client, the HTTP endpoints, problem details, health and OpenAPI.</summary>
public static class MedPayApi
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Where the API serves the Orleans dashboard to operators (<c>MedPay:Dashboard:Enabled</c>).</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>How long the API waits for a grain call (<c>MedPay:Clustering:ResponseTimeout</c>) before it answers 503.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>What a 503 tells the client to wait before it repeats the request (<c>Retry-After</c>, seconds).</summary>
    public const int RetryAfterSeconds = 2;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var dashboard = builder.Configuration.GetValue("MedPay:Dashboard:Enabled", true);
        builder.UseOrleansClient(client =>
        {
            UseClustering(client, builder.Configuration);
            client.AddActivityPropagation();
            if (dashboard)
            {
                client.AddDashboard(o => o.HideTrace = true);
            }
        });
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // A property sent twice (at any depth, also in another case, which binds to the same property) is refused,
            // never "the last one wins": a body must mean one thing to every reader on its way (JsonBody, 400 malformed_json).
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        builder.Services.AddProblemDetails();
        // Metrics (ASP.NET Core, HttpClient, the Orleans client) for the operators' Prometheus scrape at /metrics; traces
        // and metrics to an OTLP collector where one is configured, the trace carried on into the silos' grain calls.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Environment.IsProduction())
        {
            // One JSON object a line, with the trace and span ids in its scopes, for the log pipeline.
            builder.Logging.AddJsonConsole(o => (o.IncludeScopes, o.UseUtcTimestamp, o.TimestampFormat) = (true, true, "O"));
        }
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("medpay-api"))
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddMeter("Microsoft.Orleans", ApiMetrics.MeterName).AddPrometheusExporter());
        if (builder.Configuration["MedPay:Telemetry:Otlp:Endpoint"] is { Length: > 0 } otlp)
        {
            telemetry.WithTracing(t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"))
                .UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf, new Uri(otlp));
        }

        builder.Services.AddOpenApi(OpenApiDocumentation.Configure);
        builder.Services.AddMedPayConsolePages();
        builder.Services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IdempotencyGiveBack>();
        builder.Services.AddHostedService(services => services.GetRequiredService<IdempotencyGiveBack>());
        builder.Services.AddMedPayDataProtection(builder.Configuration);
        builder.AddMedPayAuth();
        builder.AddMedPayServerLimits().AddMedPayTrustedProxies().AddMedPayHygiene().Services.AddMedPayRateLimits();

        configure?.Invoke(builder);
        var app = builder.Build();
        // Before anything that reads the client's address or scheme.
        app.UseMedPayTrustedProxies();
        app.UseMedPayHygiene();
        app.UseMedPayConsoleHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync }.WithClientErrorsQuiet());
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (!response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                var code = response.StatusCode switch
                {
                    401 => ErrorCodes.Unauthorized,
                    403 => ErrorCodes.Forbidden,
                    404 => "not_found",
                    405 => "method_not_allowed",
                    413 => "payload_too_large",
                    415 => ErrorCodes.UnsupportedMediaType,
                    _ => ErrorCodes.InvalidRequest,
                };
                await Problems.WriteAsync(context.HttpContext, code, $"{response.StatusCode}: {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}");
            }
        });
        app.UseRouting();
        // Keys are scoped to the authenticated caller, so idempotency runs after authorization: a refused request
        // never reaches it.
        app.UseMedPayClientLimits();
        app.UseMedPayAuth();
        app.UseMedPayPrincipalLimits();
        app.UseMiddleware<IdempotencyMiddleware>();
        app.MapOpenApi().AllowAnonymous();
        // An interactive reference over the OpenAPI document, for the developers who integrate MedPay.
        app.MapScalarApiReference("/scalar", o => o.WithTitle("MedPay API")).AllowAnonymous();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapVouchersApi();
        app.MapOrdersApi();
        app.MapMerchantApi();
        app.MapAdminApi();
        app.MapMedPayConsole();
        app.MapPrometheusScrapingEndpoint().RequireAuthorization(Policies.OperatorReader).ExcludeFromDescription();
        if (dashboard)
        {
            // The Orleans dashboard, for operators (both roles); it is not part of the public contract.
            app.MapOrleansDashboard(DashboardPath).RequireAuthorization(ConsoleAuth.DashboardReaders).ExcludeFromDescription();
        }

        return app;
    }

    private static void UseClustering(IClientBuilder client, IConfiguration configuration)
    {
        client.UseMedPayClusterTls(configuration);
        var clustering = configuration.GetSection("MedPay:Clustering");
        // A person waits on the other end of every grain call the API makes: past this time-out (Orleans' own default is
        // 30 s) the caller gets a 503 with Retry-After instead of a hung request, e.g. while a killed silo is declared dead.
        var responseTimeout = clustering.GetValue("ResponseTimeout", DefaultResponseTimeout);
        if (responseTimeout <= TimeSpan.Zero || responseTimeout > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException("MedPay:Clustering:ResponseTimeout must be more than 0 and at most 5 minutes.");
        }

        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        var serviceId = clustering["ServiceId"] ?? "medpay";
        var clusterId = clustering["ClusterId"] ?? "medpay-local";
        switch (clustering["Provider"] ?? "Localhost")
        {
            case "Localhost":
                client.UseLocalhostClustering(clustering.GetValue("GatewayPort", 30000), serviceId, clusterId);
                break;
            case "AzureTable":
                client.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = serviceId;
                    o.ClusterId = clusterId;
                });
                client.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = new TableServiceClient(configuration["MedPay:Storage:ConnectionString"] is { Length: > 0 } c ? c : "UseDevelopmentStorage=true");
                    o.TableName = clustering["TableName"] ?? "MedPayMembership";
                });
                break;
            default:
                throw new InvalidOperationException("MedPay:Clustering:Provider must be Localhost or AzureTable.");
        }
    }

    private static async Task HandleExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (code, detail) = error switch
        {
            BadHttpRequestException { StatusCode: 413 } => ("payload_too_large", "The request body is too large."),
            BadHttpRequestException => (ErrorCodes.MalformedJson, "The request could not be read."),
            SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException =>
                ("service_unavailable", "MedPay could not reach its cluster in time; the request may be retried."),
            // A grain state write that failed: nothing half-written was kept, and the request may be repeated.
            IOException or Azure.RequestFailedException or Orleans.Storage.InconsistentStateException =>
                ("service_unavailable", "MedPay could not store the outcome; repeating the request is safe."),
            _ => ("internal_error", "An unexpected error occurred; it has been logged."),
        };
        if (code == "service_unavailable")
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await Problems.WriteAsync(context, code, detail);
    }
}

/// <summary>Ready when the cluster answers and its grain storage can be read.</summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await grains.GetGrain<IHealthGrain>(0).CheckAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The cluster or its storage did not answer.", e);
        }
    }
}
