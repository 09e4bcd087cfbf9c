using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MedPay.Api;
using MedPay.Grains.Platform;
using MedPay.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MedPay.ApiTests;

/// <summary>
/// A real silo (Azure table storage on the test Azurite) and the real API on a free 127.0.0.1 port, in this process;
/// tests talk to the API over HTTP only. Every log line of both hosts is captured, to check that no secret is logged.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private IHost _silo = null!;
    private WebApplication _api = null!;

    public const string OperatorToken = "test-operator-token";

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client with no credentials: the medical service application acting for a user.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client with the operator token.</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>A client with a merchant's credential.</summary>
    public HttpClient MerchantClient(string merchantId, string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", $"{merchantId}.{apiKey}");
        return client;
    }

    public SandboxScript Script { get; private set; } = null!;

    public SandboxInsurancePlatform Platform { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    /// <summary>The Azure table (on the test Azurite) that holds the silo's grain state.</summary>
    public string StateTableName { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        StateTableName = "medpayapitest" + run;
        var gatewayPort = FreePort();
        var cluster = new Dictionary<string, string?>
        {
            ["MedPay:Clustering:Provider"] = "Localhost",
            ["MedPay:Clustering:ServiceId"] = "medpay-api-" + run,
            ["MedPay:Clustering:ClusterId"] = "api-test-" + run,
            ["MedPay:Clustering:GatewayPort"] = gatewayPort.ToString(),
        };

        var silo = Host.CreateApplicationBuilder();
        silo.Configuration.AddMedPaySiloSettings().AddInMemoryCollection(cluster).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MedPay:Clustering:SiloPort"] = FreePort().ToString(),
            ["MedPay:Storage:Provider"] = "AzureTable",
            ["MedPay:Storage:ConnectionString"] = StorageConnectionString,
            ["MedPay:Storage:TableName"] = StateTableName,
            ["MedPay:Gateway:CallTimeout"] = "00:00:02",
            ["MedPay:Gateway:QueryBackoff"] = "00:00:00.020",
            // Tiny index segments, so that every listing test also crosses segments.
            ["MedPay:Orders:IndexSegmentSize"] = "2",
        });
        silo.Logging.AddProvider(Logs);
        silo.UseOrleans(s => s.UseMedPayClustering(silo.Configuration).AddMedPay(silo.Configuration));
        _silo = silo.Build();
        await _silo.StartAsync();
        Script = _silo.Services.GetRequiredService<SandboxScript>();
        Platform = (SandboxInsurancePlatform)_silo.Services.GetRequiredService<IInsurancePlatform>();

        _api = MedPayApi.Build(
            ["--urls=http://127.0.0.1:0", $"--MedPay:Operator:Token={OperatorToken}", .. cluster.Select(kv => $"--{kv.Key}={kv.Value}")],
            api => api.Logging.AddProvider(Logs));
        await _api.StartAsync();
        var address = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress };
        Operator = new HttpClient { BaseAddress = BaseAddress };
        Operator.DefaultRequestHeaders.Authorization = new("Bearer", OperatorToken);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Operator.Dispose();
        await _api.StopAsync();
        await _api.DisposeAsync();
        await _silo.StopAsync();
        _silo.Dispose();
    }

    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("MedPay__Storage__ConnectionString") is { Length: > 0 } configured ? configured : "UseDevelopmentStorage=true";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Keeps every formatted log line (and exception text) of the hosts it is added to.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
