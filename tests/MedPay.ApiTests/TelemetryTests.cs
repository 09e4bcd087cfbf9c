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
    public async Task Metrics_are_refused_to_the_anonymous_users_and_merchants()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.GetAsync("/metrics")).StatusCode);
        var user = await fixture.UserClientAsync(ApiSteps.Unique("u"));
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/metrics")).StatusCode);
        var (_, _, merchant) = await fixture.RegisterMerchantAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await merchant.GetAsync("/metrics")).StatusCode);
    }
}
