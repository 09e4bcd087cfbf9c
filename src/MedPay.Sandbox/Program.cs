using Azure.Data.Tables;
using MedPay.Platform;
using MedPay.Sandbox;
using Microsoft.Extensions.Options;

// The sandbox insurance platform and cash channel, as their own process: MedPay's silos reach it over HTTP with signed
// envelopes, as they would reach the national platform; its records are durable in its own tables.
var builder = WebApplication.CreateBuilder(args);
// Its settings files are named for it (not appsettings*.json), so that a project referencing it never takes them for
// its own; they come first, below environment variables and the command line.
var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory);
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = "sandboxsettings.json", FileProvider = files, Optional = false });
builder.Configuration.Sources.Insert(1, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = $"sandboxsettings.{builder.Environment.EnvironmentName}.json", FileProvider = files, Optional = true });
builder.Services.AddOptions<SandboxOptions>().Bind(builder.Configuration.GetSection(SandboxOptions.Section)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<SandboxKeys>();
builder.Services.AddSingleton(sp =>
{
    var options = sp.GetRequiredService<IOptions<SandboxOptions>>().Value;
    return new TableServiceClient(options.StorageConnectionString);
});
builder.Services.AddSingleton(sp => TableLedger.CreateAsync(
    sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<IOptions<SandboxOptions>>().Value.TablePrefix, CancellationToken.None).GetAwaiter().GetResult());
builder.Services.AddSingleton<ISandboxScript>(sp => TableScript.CreateAsync(
    sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<IOptions<SandboxOptions>>().Value.TablePrefix, CancellationToken.None).GetAwaiter().GetResult());
builder.Services.AddSingleton<ISandboxLedger>(sp => sp.GetRequiredService<TableLedger>());
builder.Services.AddSingleton(sp => new SandboxInsurancePlatform(sp.GetRequiredService<ISandboxScript>(), sp.GetRequiredService<ISandboxLedger>(), sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton(sp => new SandboxCashChannel(sp.GetRequiredService<ISandboxScript>(), sp.GetRequiredService<ISandboxLedger>(), sp.GetRequiredService<TimeProvider>()));
builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    foreach (var converter in SandboxAdmin.Json.Converters)
    {
        o.SerializerOptions.Converters.Add(converter);
    }
});
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 256 * 1024);

var app = builder.Build();
// Creates the tables before the first request, so that a broken storage stops the start, not a payment.
app.Services.GetRequiredService<TableLedger>();
app.Services.GetRequiredService<ISandboxScript>();
app.Services.GetRequiredService<SandboxKeys>();
// Started by a test process: go when it goes, so that a crashed test run leaves no sandbox behind.
if (app.Configuration.GetValue<int?>("Sandbox:ParentProcessId") is { } parent)
{
    _ = WatchParentAsync(parent, app.Lifetime);
}

app.MapGet("/health", () => Results.Ok(new { status = "ok" }));
app.MapMip();
app.MapAdmin();
app.Run();

static async Task WatchParentAsync(int parentId, IHostApplicationLifetime lifetime)
{
    while (!lifetime.ApplicationStopping.IsCancellationRequested)
    {
        try
        {
            using var parent = System.Diagnostics.Process.GetProcessById(parentId);
            if (parent.HasExited)
            {
                break;
            }
        }
        catch (ArgumentException)
        {
            break;
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    lifetime.StopApplication();
}
