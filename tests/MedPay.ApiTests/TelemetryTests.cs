using System.Net;

namespace MedPay.ApiTests;

/// <summary>The Prometheus scrape endpoint: the API's metrics for operators (both roles), refused to everyone else.</summary>
[Collection(ApiCollection.Name)]
public sealed class TelemetryTests(ApiFixture fixture)
{
    [Fact]
    public async Task Metrics_are_served_to_operators_in_prometheus_text()
    {
        await fixture.Anonymous.GetAsync("/health/ready");
        string text = "";
        // The exporter collects on scrape; the request above is counted once its duration is recorded.
        for (var attempt = 0; attempt < 20 && !text.Contains("http_server_request_duration_seconds", StringComparison.Ordinal); attempt++, await Task.Delay(250))
        {
            using var response = await fixture.Auditor.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
            text = await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("http_server_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/health/ready\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idempotency_key_replays_and_payments_by_outcome_and_path_are_counted()
    {
        var api = new ApiSteps(fixture.Http);
        var (userId, _) = await api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();
        var before = Replays(await ScrapeAsync());
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/orders/{orderId}/payments") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(request)).StatusCode);
        }

        // The exporter answers a scrape from a copy up to 300 ms old.
        var text = await ScrapeAsync();
        for (var attempt = 0; attempt < 20 && Replays(text) == before; attempt++, await Task.Delay(250))
        {
            text = await ScrapeAsync();
        }

        Assert.True(Replays(text) == before + 1, string.Join('\n', text.Split('\n').Where(l => l.StartsWith("medpay", StringComparison.Ordinal))));
        // The API's process hosts the test silo too, so MedPay's silo-side meter is in the same scrape here.
        Assert.Matches("medpay_payments_total\\{[^}]*outcome=\"settled\"[^}]*path=\"direct\"[^}]*\\} [1-9]", text);
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await fixture.Operator.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static long Replays(string text) =>
        System.Text.RegularExpressions.Regex.Match(text, "medpay_idempotency_requests_total\\{[^}]*outcome=\"replay\"[^}]*\\} (\\d+)") is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;

    [Fact]
    public async Task Metrics_are_refused_to_the_anonymous_users_and_merchants()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.GetAsync("/metrics")).StatusCode);
        var user = await fixture.UserClientAsync(ApiSteps.Unique("u"));
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/metrics")).StatusCode);
        var (_, _, merchant) = await fixture.RegisterMerchantAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await merchant.GetAsync("/metrics")).StatusCode);
    }
}
