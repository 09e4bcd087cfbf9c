using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

public static class ServerLimits
{
    public static WebApplicationBuilder AddMedPayServerLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<ServerLimitOptions>, ServerLimitOptionsValidator>();
        builder.Services.AddOptions<ServerLimitOptions>().BindConfiguration(ServerLimitOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerLimitOptions>>((kestrel, configured) =>
        {
            var o = configured.Value;
            var limits = kestrel.Limits;
            limits.MaxConcurrentConnections = o.MaxConcurrentConnections;
            limits.MaxConcurrentUpgradedConnections = o.MaxConcurrentUpgradedConnections;
            limits.RequestHeadersTimeout = o.RequestHeadersTimeout;
            limits.KeepAliveTimeout = o.KeepAliveTimeout;
            limits.MaxRequestHeadersTotalSize = o.MaxRequestHeadersTotalSize;
            limits.MaxRequestLineSize = o.MaxRequestLineSize;
            limits.MaxRequestBodySize = o.MaxRequestBodySize;
            limits.MinRequestBodyDataRate = new MinDataRate(o.MinRequestBodyBytesPerSecond, o.MinRequestBodyGracePeriod);
            kestrel.AddServerHeader = false;
        });
        return builder;
    }
}
