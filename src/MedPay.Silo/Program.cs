using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MedPay.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddMedPaySiloSettings().AddEnvironmentVariables().AddCommandLine(args);
// Time for a stopping silo to hand its grains over and finish calls in flight (deactivations write what is unwritten).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("MedPay:Silo:ShutdownTimeout", TimeSpan.FromSeconds(30)));
builder.UseOrleans(silo => silo.UseMedPayClustering(builder.Configuration).AddMedPay(builder.Configuration));
using var host = builder.Build();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
try
{
    await host.RunAsync();
}
catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Told to stop while still joining the cluster: nothing was serving yet, so this is a clean stop, not a crash.
    Console.Error.WriteLine("MedPay silo: stopped during start-up.");
}
