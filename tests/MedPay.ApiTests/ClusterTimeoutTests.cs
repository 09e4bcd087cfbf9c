using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>
/// A grain call that outlasts <c>MedPay:Clustering:ResponseTimeout</c> (a silo killed mid-request, a platform that is
/// slow to answer) gives the waiting client a 503 <c>service_unavailable</c> with <c>Retry-After</c> at that time-out,
/// not after Orleans' 30 s default; the work itself goes on, and repeating the request gives its outcome.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ClusterTimeoutTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    [Fact]
    public async Task A_grain_call_past_the_response_timeout_is_503_with_retry_after_and_the_payment_still_completes()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var (merchantId, apiKey) = await fixture.MerchantAsync(ApiSteps.Unique("m"));
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var authCode = await _api.AuthorizeAsync(userId, merchantId);
        // The platform answers the settlement after 1.8 s (within the gateway's 2 s call limit of these tests): longer than
        // this API waits for the order grain.
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Delay, TimeSpan.FromMilliseconds(1800), Times: 1));

        await using var api = fixture.OtherApi("--environment=Development", "--MedPay:Clustering:ResponseTimeout=00:00:00.300");
        await api.StartAsync();
        using var merchant = new HttpClient { BaseAddress = ApiFixture.AddressOf(api), Timeout = TimeSpan.FromSeconds(20) };
        merchant.DefaultRequestHeaders.Authorization = new("Bearer", $"{merchantId}.{apiKey}");

        // Warm up this API's connection to the cluster and its merchant check: the time measured below is the grain call's.
        Assert.Equal(HttpStatusCode.OK, (await merchant.GetAsync($"/v1/merchant/orders/{orderId}")).StatusCode);
        var clock = Stopwatch.StartNew();
        var response = await merchant.PostAsJsonAsync($"/v1/merchant/orders/{orderId}/payments", new { authCode });
        var waited = clock.Elapsed;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("service_unavailable", (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.True(waited < TimeSpan.FromMilliseconds(1800), $"answered after {waited}, not at the time-out");

        // Nothing was lost: the payment went on in the cluster, and the repeat of the request (through an API that waits
        // the usual time) gives its outcome.
        using var patient = fixture.MerchantClient(merchantId, apiKey);
        var status = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(15); status != "settled" && DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            var read = await patient.GetAsync($"/v1/merchant/orders/{orderId}");
            status = read.IsSuccessStatusCode ? (await read.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString()! : $"{(int)read.StatusCode} {await read.Content.ReadAsStringAsync()}";
        }

        Assert.Equal("settled", status);
        var repeat = await patient.PostAsJsonAsync($"/v1/merchant/orders/{orderId}/payments", new { authCode });
        var body = await Expect.StatusAsync(repeat, HttpStatusCode.OK);
        Assert.Equal("settled", body.GetProperty("status").GetString());
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:10:00")]
    public void A_response_timeout_out_of_range_is_refused_at_start(string timeout)
    {
        var e = Assert.Throws<InvalidOperationException>(() => fixture.OtherApi("--environment=Development", $"--MedPay:Clustering:ResponseTimeout={timeout}"));
        Assert.Contains("ResponseTimeout", e.Message);
    }
}
