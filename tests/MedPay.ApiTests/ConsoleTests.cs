using System.Net;
using System.Net.Http.Json;
using MedPay.ClusterTests;
using Microsoft.Playwright;

namespace MedPay.ApiTests;

/// <summary>
/// The operator console in a real browser (Debian's headless Chromium, driven by Playwright): signing in through the
/// authorization code flow, resolving an order in review, re-sending a notification, and refusing a non-operator.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConsoleTests(ApiFixture fixture) : IAsyncLifetime
{
    private readonly ApiSteps _api = new(fixture.Http);
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    /// <summary>The console's own routes (pages, style sheet, sign-out), which these tests check in the browser.</summary>
    public static bool IsConsole(Microsoft.AspNetCore.Routing.RouteEndpoint route) =>
        route.RoutePattern.RawText!.TrimStart('/').Split('/')[0] == "console";

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("MEDPAY_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"No Chromium at {ChromiumPath}: ./tests/run.sh installs Debian's chromium, or set MEDPAY_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> SignInAsync(string account, string name, string roles, string path = "console")
    {
        var context = await _browser.NewContextAsync(new() { BaseURL = fixture.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        var first = await page.GotoAsync(path);
        // Not signed in: the console sends the browser to the identity provider (here the development issuer's form).
        Assert.True(page.Url.Contains("/connect/authorize", StringComparison.Ordinal), $"not sent to sign in: {first?.Status} {page.Url}");
        await page.FillAsync("#account", account);
        await page.FillAsync("#name", name);
        await page.FillAsync("#roles", roles);
        await page.ClickAsync("#signin");
        // Back on a console page, signed in: every one shows who is signed in. Waited for by that element, not by the
        // page's load events (waiting for the URL and then a load state timed out twice in fifteen full runs, on an idle
        // machine too, after the navigation had visibly finished: "NetworkIdle event fired").
        await page.WaitForSelectorAsync("#who");
        Assert.True(new Uri(page.Url).AbsolutePath.StartsWith("/console", StringComparison.Ordinal), $"signed in, but at {page.Url}");
        return page;
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("MEDPAY_CONSOLE_SCREENSHOTS") is { Length: > 0 } directory)
        {
            await page.SetViewportSizeAsync(1200, 820);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }
    }

    [Fact]
    public async Task The_consoles_sign_in_opens_the_orleans_dashboard_in_the_browser_for_operators_and_auditors_only()
    {
        foreach (var (account, roles) in new[] { ("olga", "operator"), ("arno", "auditor") })
        {
            var context = await _browser.NewContextAsync(new() { BaseURL = fixture.BaseAddress.ToString() });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            var refused = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
                {
                    refused.Add(message.Text);
                }
            };
            // Straight to the dashboard: sent to sign in, and back to the dashboard once signed in.
            await page.GotoAsync("dashboard/");
            Assert.Contains("/connect/authorize", page.Url, StringComparison.Ordinal);
            await page.FillAsync("#account", account);
            await page.FillAsync("#roles", roles);
            var signedIn = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#signin"), r => new Uri(r.Url).AbsolutePath == "/dashboard/" && r.Status == 200);
            Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                await signedIn.HeaderValueAsync("content-security-policy"));
            Assert.Equal("nosniff", await signedIn.HeaderValueAsync("x-content-type-options"));
            // The dashboard's script runs and reads the cluster through its own JSON, with the console's cookie alone.
            var counters = await page.WaitForResponseAsync(r => r.Url.Contains("/dashboard/DashboardCounters", StringComparison.Ordinal) && r.Status == 200);
            Assert.Contains("totalActiveHostCount", await counters.TextAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.True(refused.Count == 0, string.Join("\n", refused));
            await ShotAsync(page, "dashboard-" + roles);
            // The dashboard's cookie is for its path only, and opens no API route (the API reads bearer tokens only).
            var cookies = await context.CookiesAsync();
            Assert.Contains(cookies, c => c.Name == "medpay-dashboard" && c.HttpOnly && c.Path == "/dashboard");
            using var client = new HttpClient { BaseAddress = fixture.BaseAddress };
            client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/admin/audit")).StatusCode);
            await context.CloseAsync();
        }

        // Signed in to the console without an operator role: the access-denied page, not the dashboard.
        var nobody = await _browser.NewContextAsync(new() { BaseURL = fixture.BaseAddress.ToString() });
        var denied = await nobody.NewPageAsync();
        await denied.GotoAsync("dashboard/");
        await denied.FillAsync("#account", "ursula");
        await denied.FillAsync("#roles", "");
        await denied.ClickAsync("#signin");
        await denied.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/console/denied", StringComparison.Ordinal));
        await nobody.CloseAsync();
    }

    [Fact]
    public async Task An_operator_signs_in_resolves_an_order_in_review_as_the_platform_says_and_sends_its_notification_again()
    {
        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        await using var callbacks = CallbackListener.Start("unused");
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/callback", new { callbackUrl = callbacks.Url.ToString(), reason = "test" }), HttpStatusCode.OK);
        var (orderId, userId, held) = await ReviewTests.InReviewAsync(fixture, _api, merchantId, settledAtPlatform: true);
        var personal = held.GetProperty("split").GetProperty("personalAccountFen").GetInt64();

        var page = await SignInAsync("olga", "Olga Operator", "operator");
        Assert.Equal("Olga Operator · operator", await page.InnerTextAsync("#who"));
        await ShotAsync(page, "console-today");
        await page.ClickAsync("text=Review queue");
        await page.ClickAsync($"a.order-link:text-is('{orderId}')");
        await page.WaitForSelectorAsync("#platform");
        Assert.Equal("manual_review", await page.InnerTextAsync("#order-status"));
        Assert.Equal("settled", await page.InnerTextAsync("#platform-status"));
        Assert.True(await page.IsEnabledAsync("#settle"));
        Assert.False(await page.IsEnabledAsync("#fail"));
        await page.FillAsync("#reason", "confirmed with the platform's settlement desk");
        await ShotAsync(page, "console-review");
        await page.ClickAsync("#settle");

        await page.WaitForSelectorAsync("#flash");
        Assert.Equal("settled", await page.InnerTextAsync("#order-status"));
        Assert.Contains("settled on review by Olga Operator (olga)", await page.InnerTextAsync("ol.history"));
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal(500_000 - personal, Expect.Fen(voucher, "personalAccountBalanceFen"));
        await callbacks.WaitForAsync(c => c.EventId == $"{orderId}:order.settled", TimeSpan.FromSeconds(10));
        var audit = await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/audit"), HttpStatusCode.OK);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "order.resolve_review" && e.GetProperty("target").GetString() == $"order {orderId}"
            && e.GetProperty("operator").GetString() == "olga" && e.GetProperty("outcome").GetString() == "200" && e.GetProperty("reason").GetString() == "confirmed with the platform's settlement desk");

        var sent = callbacks.Received.Count(c => c.EventId == $"{orderId}:order.settled");
        await page.ClickAsync("#resend");
        await page.WaitForSelectorAsync("#flash:has-text('sent again')");
        Assert.True(callbacks.Received.Count(c => c.EventId == $"{orderId}:order.settled") > sent, "the notification was not sent again");
        Assert.DoesNotContain(orderId, await (await page.Context.NewPageAsync()).GotoAsync("console/review") is { } r ? await r.TextAsync() : "");
    }

    [Fact]
    public async Task An_operator_registers_a_merchant_sees_its_credentials_once_and_reads_a_voucher_masked()
    {
        var page = await SignInAsync("olga", "Olga Operator", "operator", "console/merchants");
        var merchantId = ApiSteps.Unique("m");
        await page.FillAsync("#new-merchant", merchantId);
        await page.FillAsync("#new-name", "Lake View Clinic");
        await page.FillAsync("#new-reason", "signed the provider agreement");
        await page.ClickAsync("#register");
        await page.WaitForSelectorAsync("#credentials");
        var apiKey = await page.InnerTextAsync("#api-key");
        Assert.Contains(merchantId, await page.InnerTextAsync("#merchants"));
        // The key works as the merchant's credential, and the registration was audited by name.
        using var merchant = fixture.MerchantClient(merchantId, apiKey);
        Assert.Equal(HttpStatusCode.OK, (await merchant.GetAsync($"/v1/merchant/orders?day={DateTime.UtcNow:yyyy-MM-dd}")).StatusCode);
        var audit = await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/audit"), HttpStatusCode.OK);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "merchant.register" && e.GetProperty("target").GetString() == $"merchant {merchantId}"
            && e.GetProperty("operator").GetString() == "olga" && e.GetProperty("outcome").GetString() == "200");
        // Shown once: reading the page again shows no key.
        await page.GotoAsync("console/merchants");
        Assert.Equal(0, await page.Locator("#api-key").CountAsync());
        await ShotAsync(page, "console-merchants");

        var (userId, nationalId) = await _api.OpenVoucherAsync();
        await page.GotoAsync($"console/vouchers?userId={userId}");
        Assert.Equal("active", await page.InnerTextAsync("#voucher-status"));
        var shown = await page.InnerTextAsync("#voucher");
        Assert.DoesNotContain(nationalId, shown);
        Assert.DoesNotContain(nationalId, await page.ContentAsync());
        Assert.Contains(nationalId[..1] + new string('*', 16) + nationalId[^1..].ToUpperInvariant(), shown);
        await page.GotoAsync("console/vouchers?userId=nobody-at-all");
        await page.WaitForSelectorAsync("#no-voucher");
    }

    [Fact]
    public async Task The_root_opens_the_console_and_the_console_asks_an_unknown_browser_to_sign_in()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.BaseAddress };
        var root = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/console", root.Headers.Location?.OriginalString);
        var console = await client.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        var signIn = console.Headers.Location!;
        Assert.Equal("/connect/authorize", signIn.AbsolutePath);
        Assert.Contains("code_challenge_method=S256", signIn.Query);
        Assert.Contains("client_id=medpay-console", signIn.Query);
        Assert.Contains("default-src 'none'", console.Headers.GetValues("Content-Security-Policy").Single());
        // A sign-in for another client or another callback is refused by the issuer.
        var forged = await client.GetAsync(signIn.PathAndQuery.Replace("client_id=medpay-console", "client_id=evil", StringComparison.Ordinal));
        Assert.True(forged.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{forged.StatusCode}");
        Assert.DoesNotContain("id=\"signin\"", await forged.Content.ReadAsStringAsync());
        var callback = Uri.EscapeDataString(new Uri(fixture.BaseAddress, "/console/signin-oidc").ToString());
        Assert.Contains(callback, signIn.Query);
        var elsewhere = await client.GetAsync(signIn.PathAndQuery.Replace(callback, Uri.EscapeDataString("https://evil.example/console/signin-oidc"), StringComparison.Ordinal));
        Assert.True(elsewhere.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{elsewhere.StatusCode}");
        Assert.DoesNotContain("id=\"signin\"", await elsewhere.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_console_refuses_a_signed_in_non_operator_and_lets_an_auditor_read_but_not_decide()
    {
        var page = await SignInAsync("ursula", "Ursula User", "");
        Assert.Equal("/console/denied", new Uri(page.Url).AbsolutePath);
        Assert.Contains("for MedPay's operators", await page.InnerTextAsync("#denied"));
        var direct = await page.GotoAsync("console/review");
        Assert.Equal(403, direct!.Status);

        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        var (orderId, _, _) = await ReviewTests.InReviewAsync(fixture, _api, merchantId, settledAtPlatform: false);
        var auditor = await SignInAsync("arno", "Arno Auditor", "auditor", $"console/review/{Uri.EscapeDataString(orderId)}");
        await auditor.WaitForSelectorAsync("#read-only");
        Assert.Equal(0, await auditor.Locator("#settle").CountAsync());
        Assert.Equal(0, await auditor.Locator("#resend").CountAsync());
        Assert.Equal("not_found", await auditor.InnerTextAsync("#platform-status"));

        // Without the console's cookie the API refuses as before; the cookie opens no API endpoint.
        var cookies = await auditor.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == "medpay-console" && c.HttpOnly && c.Path == "/console");
        using var client = new HttpClient { BaseAddress = fixture.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/admin/review")).StatusCode);
    }
}
