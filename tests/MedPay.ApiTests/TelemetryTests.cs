using System.Net;
using Microsoft.Extensions.DependencyInjection;

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
        // The payments counter is the silo's (served by the silo's own /metrics in a deployment). This process hosts
        // other API and silo hosts too, whose meters of the same name come and go, and OpenTelemetry drops a metric
        // stream when a same-named instrument of another host is disposed: so it is read from the test silo's own meter.
        var siloMeters = fixture.SiloServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        long settledDirect = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == siloMeters && instrument.Name == "medpay.payments")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var outcome = false;
            var path = false;
            foreach (var tag in tags)
            {
                outcome |= tag is { Key: "outcome", Value: "settled" };
                path |= tag is { Key: "path", Value: "direct" };
            }

            if (outcome && path)
            {
                Interlocked.Add(ref settledDirect, value);
            }
        });
        listener.Start();
        var replaysBefore = Replays(await ScrapeAsync());
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/orders/{orderId}/payments") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(request)).StatusCode);
        }

        // The API's exporter answers a scrape from a copy up to 300 ms old: scraped until the replay is in it.
        var text = await ScrapeAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); Replays(text) == replaysBefore && DateTime.UtcNow < deadline; )
        {
            await Task.Delay(100);
            text = await ScrapeAsync();
        }

        // One replay: the second request with the key; one settled payment on the direct path: the first.
        Assert.True(Replays(text) == replaysBefore + 1, string.Join('\n', text.Split('\n').Where(l => l.StartsWith("medpay", StringComparison.Ordinal))));
        Assert.True(Interlocked.Read(ref settledDirect) >= 1, "the settled payment on the direct path was counted by the silo's meter");
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

/// <summary>One payment is one trace: the API's request, the grain calls it makes in the silo, and the silo's call to the platform.</summary>
[Collection(ApiCollection.Name)]
public sealed class TraceTests(ApiFixture fixture)
{
    [Fact]
    public async Task A_payment_is_one_trace_from_the_http_request_through_the_grain_calls_to_the_platform()
    {
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Microsoft.Orleans.Runtime" or "Microsoft.Orleans.Application" or "System.Net.Http",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        var api = new ApiSteps(fixture.Http);
        var (userId, _) = await api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await api.AuthorizeAsync(userId, merchant)}}"}""";
        var paid = await fixture.Http.PostAsync($"/v1/orders/{orderId}/payments", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);

        // The test's own call is the trace's root: the API continues it (traceparent), as it would a caller's.
        var request = Assert.Single(stopped, a => a.Source.Name == "System.Net.Http" && a.GetTagItem("url.full") is string url
            && url.Contains(merchant, StringComparison.Ordinal) && url.EndsWith("/payments", StringComparison.Ordinal));
        var trace = stopped.Where(a => a.TraceId == request.TraceId).ToList();
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.Orleans.Application" && a.DisplayName.Contains("MedicalOrderGrain", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.Orleans.Application" && a.DisplayName.Contains("EVoucherGrain", StringComparison.OrdinalIgnoreCase));
        var platform = Assert.Single(trace, a => a.Source.Name == "System.Net.Http" && (a.GetTagItem("url.full") as string ?? "").Contains("/mip", StringComparison.Ordinal)
            && a.GetTagItem("http.response.status_code") is 200);
        // The platform call is under the grain call, which is under the request.
        var parents = new List<string>();
        for (var at = platform; at is not null; at = trace.FirstOrDefault(a => a.SpanId == at.ParentSpanId))
        {
            parents.Add(at.Source.Name);
        }

        Assert.Equal(request.SpanId, trace.First(a => a.Source.Name == "Microsoft.AspNetCore").ParentSpanId);
        Assert.Equal(["System.Net.Http", "Microsoft.AspNetCore"], parents[^2..].AsEnumerable().Reverse());
        Assert.Contains("Microsoft.Orleans.Application", parents);
    }
}
