using System.Net;
using MedPay.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace MedPay.ApiTests;

/// <summary>
/// The console's sign-in edges over plain HTTP (no browser): a forged, empty or refused callback is a 400 problem
/// without the console's cookie, and an identity provider that cannot be reached is a 503 with <c>Retry-After</c>;
/// neither is logged as an error, with a stack trace, or with the values that were sent.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConsoleSignInTests(ApiFixture fixture)
{
    private const string Forged = "FORGED-sign-in-value";

    private static HttpClient NoRedirects(Uri address) => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };

    /// <summary>
    /// Opens the fixture's console as a new browser would: the state it sends to the identity provider and the
    /// correlation cookie that goes with it (set Secure, so an HttpClient would not send it back over http by itself).
    /// </summary>
    private async Task<(string State, string Correlation)> ChallengeAsync()
    {
        using var client = NoRedirects(fixture.BaseAddress);
        var console = await client.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        var query = System.Web.HttpUtility.ParseQueryString(console.Headers.Location!.Query);
        var correlation = console.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
        return (query["state"]!, correlation.Split(';')[0]);
    }

    private static async Task<HttpResponseMessage> CallbackAsync(HttpClient client, HttpMethod method, string query = "", Dictionary<string, string>? form = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(method, "/console/signin-oidc" + query);
        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await client.SendAsync(request);
    }

    private static void NoConsoleCookie(HttpResponseMessage response, string what) =>
        Assert.False(
            response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("medpay-console", StringComparison.Ordinal)),
            $"{what}: the console's cookie was issued");

    private static void NoErrorsTracesOrEchoes(IEnumerable<string> lines)
    {
        var wrong = lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)
            || l.Contains("   at ", StringComparison.Ordinal) || l.Contains(Forged, StringComparison.Ordinal)).ToList();
        Assert.True(wrong.Count == 0, "logged as an error, with a stack trace or with a sent value:\n" + string.Join("\n---\n", wrong));
    }

    /// <summary>A 503 problem <c>signin_unavailable</c> that says so, with the API's <c>Retry-After</c>.</summary>
    private static async Task UnavailableAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal("signin_unavailable", problem.GetProperty("code").GetString());
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("sign-in service", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(MedPayApi.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_forged_or_empty_sign_in_callback_is_a_400_signin_failed_without_the_console_cookie_or_an_error_in_the_log()
    {
        var (state, correlation) = await ChallengeAsync();
        using var client = NoRedirects(fixture.BaseAddress);
        var before = fixture.Logs.Lines.Count;
        var forged = Uri.EscapeDataString(Forged);
        foreach (var (what, send) in new (string, Func<Task<HttpResponseMessage>>)[]
        {
            ("forged code and state", () => CallbackAsync(client, HttpMethod.Get, $"?code={forged}&state={forged}")),
            ("no query at all", () => CallbackAsync(client, HttpMethod.Get)),
            ("a forged form", () => CallbackAsync(client, HttpMethod.Post, form: new() { ["code"] = Forged, ["state"] = Forged })),
            ("a POST without a form", () => CallbackAsync(client, HttpMethod.Post)),
            // A state this API issued, but not to this browser (no correlation cookie): a login CSRF.
            ("a real state without its cookie", () => CallbackAsync(client, HttpMethod.Get, $"?code={forged}&state={Uri.EscapeDataString(state)}")),
            // The attacker's own sign-in, with a code of its choosing: the identity provider refuses the code.
            ("a forged code for a real sign-in", () => CallbackAsync(client, HttpMethod.Get, $"?code={forged}&state={Uri.EscapeDataString(state)}", cookie: correlation)),
            // Or an error of its choosing, as if from the identity provider.
            ("a forged error for a real sign-in", () => CallbackAsync(client, HttpMethod.Get, $"?error={forged}&error_description={forged}&state={Uri.EscapeDataString(state)}", cookie: correlation)),
        })
        {
            using var response = await send();
            var problem = await Expect.ProblemAsync(response, HttpStatusCode.BadRequest, "signin_failed");
            Assert.DoesNotContain(Forged, problem.GetRawText());
            NoConsoleCookie(response, what);
        }

        await Task.Delay(200);
        var lines = fixture.Logs.Lines.Skip(before).ToList();
        NoErrorsTracesOrEchoes(lines);
        Assert.True(lines.Count(l => l.StartsWith("Warning MedPay.Api.ConsoleAuth", StringComparison.Ordinal)) >= 7, "each failed sign-in is logged as a warning:\n" + string.Join("\n", lines));
    }

    [Fact]
    public async Task An_unreachable_identity_provider_is_a_503_with_Retry_After_when_the_console_is_opened_and_on_the_callback()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var logs = new CapturedLogs();
        await using var api = MedPayApi.Build(
            ["--urls=http://127.0.0.1:0", "--environment=Development", "--MedPay:Auth:DevelopmentIssuer=false", $"--MedPay:Auth:Authority=https://127.0.0.1:{closedPort}/", .. fixture.ClusterArgs],
            b =>
            {
                b.Logging.ClearProviders();
                b.Logging.AddProvider(logs);
            });
        await api.StartAsync();
        try
        {
            // Opening the console (from the root, following its redirect) challenges: the provider's metadata cannot be fetched.
            using var browser = new HttpClient { BaseAddress = ApiFixture.AddressOf(api) };
            using var opened = await browser.GetAsync("/");
            Assert.Equal("/console", opened.RequestMessage!.RequestUri!.AbsolutePath);
            await UnavailableAsync(opened);

            // A sign-in begun at another instance (the fixture's API, same key ring) comes back to this one, which has
            // not read the provider's metadata yet and cannot now.
            var (state, correlation) = await ChallengeAsync();
            using var client = NoRedirects(ApiFixture.AddressOf(api));
            using var callback = await CallbackAsync(client, HttpMethod.Get, $"?code={Uri.EscapeDataString(Forged)}&state={Uri.EscapeDataString(state)}", cookie: correlation);
            await UnavailableAsync(callback);
            NoConsoleCookie(callback, "the callback");

            // A forged callback is refused before the provider would be asked, as when it is up.
            using var forged = await CallbackAsync(client, HttpMethod.Get, $"?code={Uri.EscapeDataString(Forged)}&state={Uri.EscapeDataString(Forged)}");
            await Expect.ProblemAsync(forged, HttpStatusCode.BadRequest, "signin_failed");

            await Task.Delay(200);
            var lines = logs.Lines.ToList();
            NoErrorsTracesOrEchoes(lines);
            Assert.True(lines.Count(l => l.StartsWith("Warning MedPay.Api.ConsoleAuth", StringComparison.Ordinal) && l.Contains($"127.0.0.1:{closedPort}", StringComparison.Ordinal)) >= 2,
                "the unreachable provider is logged as a warning, with its address:\n" + string.Join("\n", lines));
        }
        finally
        {
            await api.StopAsync();
        }
    }
}
