using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MedPay.Silo;

using var host = SiloHost.Build(args);
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
