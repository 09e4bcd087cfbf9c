using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MedPay.Silo;

/// <summary>The silo process's host, as the program runs it (and a test can): settings, logging, shutdown, Orleans, HTTP.</summary>
public static class SiloHost
{
    /// <summary>
    /// With <c>MedPay:Silo:HttpPort</c> set, a small web host too (<see cref="SiloHttp"/>: health probes and a metrics
    /// scrape); without, a plain host.
    /// </summary>
    public static IHost Build(string[] args)
    {
        var settings = new ConfigurationBuilder().AddMedPaySiloSettings().AddEnvironmentVariables().AddCommandLine(args).Build();
        var httpPort = SiloHttp.Port(settings);
        if (httpPort <= 0)
        {
            var plain = Host.CreateApplicationBuilder(args);
            Configure(plain, args);
            return plain.Build();
        }

        var web = WebApplication.CreateSlimBuilder(args);
        Configure(web, args);
        web.AddSiloHttp(httpPort);
        var app = web.Build();
        app.MapSiloHttp();
        return app;
    }

    private static void Configure(IHostApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddMedPaySiloSettings().AddEnvironmentVariables().AddCommandLine(args);
        // Log lines carry the trace and span ids; in Production they are JSON, one object a line, for the log pipeline.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Environment.IsProduction())
        {
            builder.Logging.AddJsonConsole(o => (o.IncludeScopes, o.UseUtcTimestamp, o.TimestampFormat) = (true, true, "O"));
        }

        // Time for a stopping silo to hand its grains over and finish calls in flight (deactivations write what is unwritten).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("MedPay:Silo:ShutdownTimeout", TimeSpan.FromSeconds(30)));
        builder.UseOrleans(silo => silo.UseMedPayClustering(builder.Configuration).AddMedPay(builder.Configuration));
    }
}
