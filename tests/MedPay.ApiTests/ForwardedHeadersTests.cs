using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace MedPay.ApiTests;

/// <summary>
/// Behind the ingress (<c>MedPay:ForwardedHeaders</c>): the client's address and scheme come from X-Forwarded-For and
/// X-Forwarded-Proto of a trusted proxy only. The API under test is reached over loopback, so trusting 127.0.0.0/8 makes
/// the test's own connection the ingress; trusting 10.0.0.0/8, or nothing, makes it an untrusted client.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ForwardedHeadersTests(ApiFixture fixture)
{
    private const string TrustLoopback = "--MedPay:ForwardedHeaders:KnownNetworks:0=127.0.0.0/8";
    private const string TrustOtherNetwork = "--MedPay:ForwardedHeaders:KnownNetworks:0=10.0.0.0/8";

    private static readonly string[] SmallLimits =
        ["--MedPay:RateLimits:AnonymousPerAddress=3", "--MedPay:RateLimits:Window=00:01:00", "--MedPay:RateLimits:FailedAuthPerAddress=3", "--MedPay:RateLimits:FailedAuthWindow=00:01:00"];

    /// <summary>A second API on the fixture's cluster, with its own limiters.</summary>
    private async Task<(WebApplication Api, HttpClient Http)> ApiAsync(params string[] settings)
    {
        var api = fixture.OtherApi(settings);
        await api.StartAsync();
        return (api, new HttpClient { BaseAddress = ApiFixture.AddressOf(api) });
    }

    private Task<(WebApplication Api, HttpClient Http)> LimitedApiAsync(params string[] settings) =>
        ApiAsync(["--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", .. SmallLimits, .. settings]);

    /// <summary>A request as the ingress forwards it for the client at <paramref name="client"/>.</summary>
    private static Task<HttpResponseMessage> ForwardedAsync(HttpClient http, string path, string client, string? credential = null, string? proto = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", client);
        if (proto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", proto);
        }

        if (credential is not null)
        {
            request.Headers.Authorization = new("Bearer", credential);
        }

        return http.SendAsync(request);
    }

    private static async Task ExpectRateLimitedAsync(HttpResponseMessage response) =>
        await Expect.ProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");

    [Fact]
    public async Task Behind_a_trusted_proxy_two_clients_are_rate_limited_separately()
    {
        var (api, http) = await LimitedApiAsync(TrustLoopback);
        await using var _ = api;
        using var __ = http;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ForwardedAsync(http, "/openapi/v1.json", "203.0.113.10")).StatusCode);
        }

        await ExpectRateLimitedAsync(await ForwardedAsync(http, "/openapi/v1.json", "203.0.113.10"));
        // Another client through the same proxy has its own window.
        Assert.Equal(HttpStatusCode.OK, (await ForwardedAsync(http, "/openapi/v1.json", "203.0.113.20")).StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_one_clients_failed_sign_ins_do_not_lock_out_another()
    {
        var (api, http) = await LimitedApiAsync(TrustLoopback);
        await using var _ = api;
        using var __ = http;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ForwardedAsync(http, "/v1/merchant/orders/o-1", "203.0.113.10", "m-victim.not-the-key")).StatusCode);
        }

        await ExpectRateLimitedAsync(await ForwardedAsync(http, "/v1/merchant/orders/o-1", "203.0.113.10", "m-victim.not-the-key"));
        // A merchant behind the same proxy is served, and a mistake of its own is a 401, not the other's lockout.
        var (merchantId, apiKey) = await fixture.MerchantAsync(ApiSteps.Unique("m"));
        await Expect.ProblemAsync(await ForwardedAsync(http, "/v1/merchant/orders/o-none", "203.0.113.20", $"{merchantId}.{apiKey}"), HttpStatusCode.NotFound, "order_not_found");
        Assert.Equal(HttpStatusCode.Unauthorized, (await ForwardedAsync(http, "/v1/merchant/orders/o-1", "203.0.113.20", "m-victim.not-the-key")).StatusCode);
    }

    [Theory]
    [InlineData(TrustOtherNetwork)]
    [InlineData("")] // nothing configured: ASP.NET Core's own default would trust loopback
    public async Task A_forwarded_address_from_a_peer_outside_the_known_networks_is_ignored(string trusted)
    {
        var (api, http) = await LimitedApiAsync(trusted.Length == 0 ? [] : [trusted]);
        await using var _ = api;
        using var __ = http;
        // The "clients" are one caller claiming other addresses: one window, one lockout.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ForwardedAsync(http, "/openapi/v1.json", $"203.0.113.{10 + i}")).StatusCode);
        }

        await ExpectRateLimitedAsync(await ForwardedAsync(http, "/openapi/v1.json", "203.0.113.20"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ForwardedAsync(http, "/v1/merchant/orders/o-1", $"198.51.100.{10 + i}", "m-victim.not-the-key")).StatusCode);
        }

        await ExpectRateLimitedAsync(await ForwardedAsync(http, "/v1/merchant/orders/o-1", "198.51.100.20", "m-victim.not-the-key"));
    }

    [Fact]
    public async Task Outside_Development_hsts_is_sent_when_a_trusted_proxy_says_https_and_not_when_an_untrusted_one_does()
    {
        var keyRing = await KeyRingSettingAsync();
        string? Hsts(HttpResponseMessage response) =>
            response.Headers.TryGetValues("Strict-Transport-Security", out var values) ? string.Join(",", values) : null;

        // HSTS is never sent for localhost names, so the request names the host the ingress serves.
        Task<HttpResponseMessage> LiveAsync(HttpClient http, string? proto)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/health/live") { Headers = { Host = "api.medpay.test" } };
            request.Headers.Add("X-Forwarded-For", "203.0.113.10");
            if (proto is not null)
            {
                request.Headers.Add("X-Forwarded-Proto", proto);
            }

            return http.SendAsync(request);
        }

        foreach (var (trusted, expected) in new[] { (TrustLoopback, "max-age=31536000; includeSubDomains"), (TrustOtherNetwork, null) })
        {
            var (api, http) = await ApiAsync("--environment=Production", "--MedPay:Auth:Authority=https://127.0.0.1:9/", keyRing, trusted);
            await using var _ = api;
            using var __ = http;
            var https = await LiveAsync(http, "https");
            Assert.Equal(HttpStatusCode.OK, https.StatusCode);
            Assert.True(Hsts(https) == expected, $"{trusted}: Strict-Transport-Security {Hsts(https) ?? "(none)"}");
            // Plain http through the proxy (no X-Forwarded-Proto): no HSTS.
            Assert.Null(Hsts(await LiveAsync(http, null)));
            await api.StopAsync();
        }
    }

    [Theory]
    [InlineData("KnownNetworks:0=10.0.0.0/33", "MedPay:ForwardedHeaders:KnownNetworks:0")]
    [InlineData("KnownNetworks:0=10.0.0.1/8", "MedPay:ForwardedHeaders:KnownNetworks:0")]
    [InlineData("KnownNetworks:0=010.0.0.0/8", "MedPay:ForwardedHeaders:KnownNetworks:0")]
    [InlineData("KnownNetworks:1=ingress", "MedPay:ForwardedHeaders:KnownNetworks:1")]
    [InlineData("KnownProxies:0=10.0.0.0/8", "MedPay:ForwardedHeaders:KnownProxies:0")]
    [InlineData("KnownProxies:0=10", "MedPay:ForwardedHeaders:KnownProxies:0")]
    [InlineData("ForwardLimit=0", "MedPay:ForwardedHeaders:ForwardLimit")]
    public async Task A_setting_that_names_no_network_or_proxy_stops_the_api_from_starting(string setting, string named)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var api = fixture.OtherApi("--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", TrustOtherNetwork, "--MedPay:ForwardedHeaders:" + setting);
            await api.StartAsync();
        });
        Assert.Contains(named, error.Message);
    }

    /// <summary>Outside Development the Data Protection key ring must be encrypted at rest: a throw-away certificate.</summary>
    private static async Task<string> KeyRingSettingAsync()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"medpay-dp-{Guid.NewGuid():N}.pfx");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=MedPay test key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx));
        return $"--MedPay:DataProtection:CertificatePath={pfx}";
    }
}
