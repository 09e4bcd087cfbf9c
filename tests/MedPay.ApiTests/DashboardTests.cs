using System.Net;
using Microsoft.AspNetCore.Routing;

namespace MedPay.ApiTests;

/// <summary>
/// The Orleans dashboard is served by the API under <c>/dashboard</c> to operators of either role, and to no one else:
/// every route it maps (pages, assets, and the JSON its pages read) sends a caller without a credential to the console's
/// sign-in (a browser), refuses an invalid token (401) and users and merchants (403). It is not in the OpenAPI document.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardTests(ApiFixture fixture)
{
    public static bool IsDashboard(RouteEndpoint route) =>
        ("/" + route.RoutePattern.RawText!.TrimStart('/')).StartsWith(MedPay.Api.MedPayApi.DashboardPath + "/", StringComparison.Ordinal)
        || "/" + route.RoutePattern.RawText!.Trim('/') == MedPay.Api.MedPayApi.DashboardPath;

    private List<string> Paths() =>
        [.. fixture.Routes.Where(IsDashboard)
            .Select(r => "/" + r.RoutePattern.RawText!.TrimStart('/'))
            .Select(p => p.Replace("{**path}", "x.woff").Replace("{page:int}", "1").Replace("{*path}", "x").Replace("{*address}", "x").Replace("{*grainName}", "x"))
            .Distinct()];

    [Fact]
    public async Task Every_dashboard_route_sends_the_anonymous_to_sign_in_and_refuses_users_and_merchants()
    {
        var paths = Paths();
        Assert.Contains("/dashboard/ClusterStats", paths);
        var user = await fixture.UserClientAsync(ApiSteps.Unique("u"));
        var (_, _, merchant) = await fixture.RegisterMerchantAsync();
        var wrong = new List<string>();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.BaseAddress };
        foreach (var path in paths)
        {
            // Without any credential (a browser): sent to the console's sign-in at the identity provider, never served.
            using (var anonymous = await browser.GetAsync(path))
            {
                if (anonymous.StatusCode != HttpStatusCode.Redirect || anonymous.Headers.Location?.AbsolutePath != "/connect/authorize")
                {
                    wrong.Add($"{path} as anonymous: expected a redirect to sign in, got {(int)anonymous.StatusCode} {anonymous.Headers.Location}");
                }
            }

            foreach (var (who, client, expected) in new[] { ("a forged token", fixture.Client(new("Bearer", "not-a-token")), HttpStatusCode.Unauthorized), ("user", user, HttpStatusCode.Forbidden), ("merchant", merchant, HttpStatusCode.Forbidden) })
            {
                using var response = await client.GetAsync(path);
                if (response.StatusCode != expected)
                {
                    wrong.Add($"{path} as {who}: expected {(int)expected}, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Operators_of_either_role_see_the_dashboard_and_the_cluster()
    {
        foreach (var client in new[] { fixture.Operator, fixture.Auditor })
        {
            using var page = await client.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            using var stats = await client.GetAsync("/dashboard/ClusterStats");
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
            using var silos = await client.GetAsync("/dashboard/DashboardCounters");
            Assert.Equal(HttpStatusCode.OK, silos.StatusCode);
            Assert.Contains("\"totalActiveHostCount\":1", await silos.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task The_dashboard_is_not_in_the_openapi_document()
    {
        var document = await (await fixture.Anonymous.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("/dashboard", document, StringComparison.Ordinal);
    }
}

/// <summary>The interactive API reference (Scalar) over the OpenAPI document: open to anyone, served from the API itself (no CDN).</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiReferenceTests(ApiFixture fixture)
{
    [Fact]
    public async Task The_api_reference_is_served_with_its_script_and_reads_the_openapi_document()
    {
        using var page = await fixture.Anonymous.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        Assert.Contains("<script src=\"scalar.js\"></script>", html, StringComparison.Ordinal);
        using var script = await fixture.Anonymous.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the bundle is served by the API");
    }
}
