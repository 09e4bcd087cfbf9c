using MedPay.Testing;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.Sockets;
using MedPay.Api;
using MedPay.Platform;
using MedPay.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
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
    private SandboxProcess _sandbox = null!;
    private WebApplication _api = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>
    /// The client behaviour tests use: every request goes with the credential of the caller who may make it
    /// (<see cref="ActingCallers"/>).
    /// </summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client with no credential at all.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>An operator who may act (role <c>operator</c>), named "Olga Operator".</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>An operator who may only read (role <c>auditor</c>).</summary>
    public HttpClient Auditor { get; private set; } = null!;

    public AuthenticationHeaderValue OperatorCredential { get; private set; } = null!;

    /// <summary>A client with a merchant's credential.</summary>
    public HttpClient MerchantClient(string merchantId, string apiKey) => Client(new("Bearer", $"{merchantId}.{apiKey}"));

    /// <summary>
    /// A client with the user's token, real-name verified just now: as the person the tests opened this user's voucher
    /// for (see <see cref="RememberPerson"/>), or as <paramref name="person"/>.
    /// </summary>
    public async Task<HttpClient> UserClientAsync(string userId, (string FullName, string NationalId)? person = null) =>
        Client(new("Bearer", await TokenAsync(userId, realName: true, person: person ?? PersonFor(userId))));

    private readonly ConcurrentDictionary<string, (string FullName, string NationalId)> _people = new();

    /// <summary>
    /// The person a user's tokens verify from now on, if none is yet: the one the tests first opened this user's voucher
    /// for. An account's person does not change afterwards, as with a real identity provider: a later body naming someone
    /// else goes with the account's own person's token.
    /// </summary>
    public void RememberPerson(string userId, string fullName, string nationalId)
    {
        if (_people.TryAdd(userId, (fullName, nationalId)))
        {
            _userTokens.TryRemove(userId, out _);
        }
    }

    /// <summary>The person a user's tokens verify: the one remembered for the user, else a new person remembered from now on.</summary>
    public (string FullName, string NationalId) PersonFor(string userId) => _people.GetOrAdd(userId, _ => ("测试者", Ids.WithSequence(500)));

    public HttpClient Client(AuthenticationHeaderValue? credential)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = credential;
        return client;
    }

    /// <summary>A token from the development issuer, as a client gets one (see the README).</summary>
    public async Task<string> TokenAsync(
        string subject, bool realName = false, string? roles = null, string? name = null, DateTimeOffset? verifiedAt = null,
        (string FullName, string NationalId)? person = null, string? merchantClaim = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "urn:medpay:grant-type:development", ["sub"] = subject };
        if (merchantClaim is not null)
        {
            form["medpay_merchant_id"] = merchantClaim;
        }

        if (realName)
        {
            form["realname"] = "face";
            if (person is { } verified)
            {
                form["full_name"] = verified.FullName;
                form["national_id"] = verified.NationalId;
            }
        }

        if (verifiedAt is { } at)
        {
            form["auth_time"] = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (roles is not null)
        {
            form["roles"] = roles;
        }

        if (name is not null)
        {
            form["name"] = name;
        }

        using var response = await Anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"token for {subject}: {(int)response.StatusCode} {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset At)> _userTokens = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<(string MerchantId, string ApiKey)>>> _merchants = new();

    /// <summary>The user's real-name-verified token, minted again before its verification grows old.</summary>
    public async Task<string> UserTokenAsync(string userId)
    {
        if (_userTokens.TryGetValue(userId, out var cached) && DateTimeOffset.UtcNow - cached.At < TimeSpan.FromMinutes(2))
        {
            return cached.Token;
        }

        var token = await TokenAsync(userId, realName: true, person: PersonFor(userId));
        _userTokens[userId] = (token, DateTimeOffset.UtcNow);
        return token;
    }

    /// <summary>The merchant's credentials, registering it through an operator the first time it is named.</summary>
    public Task<(string MerchantId, string ApiKey)> MerchantAsync(string merchantId) =>
        _merchants.GetOrAdd(merchantId, id => new(async () =>
        {
            var response = await Operator.PostAsJsonAsync("/v1/admin/merchants", new { merchantId = id, name = "西湖大药房", institutionCode = "H33010600001", reason = "test" });
            var body = await Expect.StatusAsync(response, HttpStatusCode.Created);
            return (id, body.GetProperty("apiKey").GetString()!);
        })).Value;

    /// <summary>Makes sure the merchant is registered, by this fixture or by the test itself.</summary>
    public async Task EnsureMerchantAsync(string merchantId)
    {
        if (!_merchants.ContainsKey(merchantId)
            && (await Operator.GetAsync($"/v1/admin/merchants/{merchantId}")).StatusCode == HttpStatusCode.NotFound)
        {
            await MerchantAsync(merchantId);
        }
    }

    /// <summary>Registers a new merchant and returns its id, API key and a client with its credential.</summary>
    public async Task<(string MerchantId, string ApiKey, HttpClient Client)> RegisterMerchantAsync()
    {
        var (merchantId, apiKey) = await MerchantAsync(ApiSteps.Unique("m"));
        return (merchantId, apiKey, MerchantClient(merchantId, apiKey));
    }

    /// <summary>Scripts the sandbox and reads its own records.</summary>
    public ISandboxControl Sandbox { get; private set; } = null!;

    /// <summary>The test silo's services (its meters, say).</summary>
    public IServiceProvider SiloServices => _silo.Services;

    public CapturedLogs Logs { get; } = new();

    /// <summary>
    /// Rate limits the whole suite stays under: it runs from one address, answers many 401s on purpose and opens many
    /// vouchers as few users. RateLimitTests run a second API with small limits.
    /// </summary>
    public static readonly string[] RelaxedLimits =
        ["--MedPay:RateLimits:PerPrincipal=100000", "--MedPay:RateLimits:AnonymousPerAddress=100000", "--MedPay:RateLimits:FailedAuthPerAddress=100000", "--MedPay:RateLimits:SensitivePerPrincipal=100000"];

    /// <summary>The command-line settings that point an API at this fixture's cluster.</summary>
    public string[] ClusterArgs { get; private set; } = [];

    /// <summary>Another API (not started) on this fixture's cluster, with these settings: an environment, limits, an authority.</summary>
    public WebApplication OtherApi(params string[] settings) => OtherApi(_ => { }, settings);

    /// <summary>Another API process on the same cluster, with <paramref name="configure"/> applied to its builder (its services, say).</summary>
    public WebApplication OtherApi(Action<WebApplicationBuilder> configure, params string[] settings) =>
        MedPayApi.Build(["--urls=http://127.0.0.1:0", .. settings, .. ClusterArgs], b =>
        {
            b.Logging.ClearProviders();
            configure(b);
        });

    /// <summary>Where a started API listens.</summary>
    public static Uri AddressOf(WebApplication api) =>
        new(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Every route the API maps, with its HTTP methods.</summary>
    public IReadOnlyList<RouteEndpoint> Routes =>
        [.. ((IEndpointRouteBuilder)_api).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()];

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

        // Development, as under the run command: plain http callbacks are allowed, the silo accepts the development
        // identity keys of silosettings.json, and the sandbox platform and the storage emulator (refused in Production).
        _sandbox = await SandboxProcess.StartAsync(StorageConnectionString);
        var silo = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        silo.Configuration.AddMedPaySiloSettings().AddInMemoryCollection(cluster).AddInMemoryCollection(_sandbox.SiloSettings).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MedPay:Clustering:SiloPort"] = FreePort().ToString(),
            ["MedPay:Storage:Provider"] = "AzureTable",
            ["MedPay:Storage:ConnectionString"] = StorageConnectionString,
            ["MedPay:Storage:TableName"] = StateTableName,
            ["MedPay:Gateway:CallTimeout"] = "00:00:02",
            ["MedPay:Gateway:QueryBackoff"] = "00:00:00.020",
            // Tiny index segments, so that every listing test also crosses segments.
            ["MedPay:Orders:IndexSegmentSize"] = "2",
            // The tests' callback listeners run on loopback, which production refuses.
            ["MedPay:Notifications:AllowedCallbackHosts:0"] = "127.0.0.1",
            // An outcome unknown this long is held for a person (ReviewTests); long enough for every test whose
            // platform times out a few times to settle on its next request first.
            ["MedPay:Recovery:ManualReviewAfter"] = "00:00:05",
            // The tests script platform failures for many orders in a short time, as no real platform fails; the
            // breaker would then open for every other test's payments. Its own behaviour is PlatformProtocolTests'.
            ["MedPay:Platform:BreakerMinimumCalls"] = "100000",
        });
        silo.Logging.AddProvider(Logs);
        silo.UseOrleans(s => s.UseMedPayClustering(silo.Configuration).AddMedPay(silo.Configuration));
        _silo = silo.Build();
        await _silo.StartAsync();
        Sandbox = _sandbox.Admin;

        ClusterArgs = [.. cluster.Select(kv => $"--{kv.Key}={kv.Value}")];

        // Development, as under the run command: the embedded token issuer serves the tests' tokens, and the API
        // validates them as in production, from the issuer's metadata and keys over HTTP.
        _api = MedPayApi.Build(
            ["--urls=http://127.0.0.1:0", "--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", .. RelaxedLimits, .. cluster.Select(kv => $"--{kv.Key}={kv.Value}")],
            api => api.Logging.AddProvider(Logs));
        await _api.StartAsync();
        BaseAddress = AddressOf(_api);
        Anonymous = Client(null);
        OperatorCredential = new("Bearer", await TokenAsync("olga", roles: "operator", name: "Olga Operator"));
        Operator = Client(OperatorCredential);
        Auditor = Client(new("Bearer", await TokenAsync("arno", roles: "auditor", name: "Arno Auditor")));
        Http = new HttpClient(new ActingCallers(this) { InnerHandler = new HttpClientHandler() }) { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        Operator.Dispose();
        Auditor.Dispose();
        await _api.StopAsync();
        await _api.DisposeAsync();
        await _silo.StopAsync();
        _silo.Dispose();
        await _sandbox.DisposeAsync();
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
            // The structured properties too, as a JSON or OpenTelemetry exporter would write them.
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception} {Properties(state)}");

        private static string Properties<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> properties ? string.Join(" ", properties.Select(p => $"{p.Key}={p.Value}")) : "";
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
