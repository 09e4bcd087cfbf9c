using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using MedPay.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddMedPaySiloSettings().AddEnvironmentVariables().AddCommandLine(args);
builder.UseOrleans(silo => silo.UseMedPayClustering(builder.Configuration).AddMedPay(builder.Configuration));
builder.Build().Run();
