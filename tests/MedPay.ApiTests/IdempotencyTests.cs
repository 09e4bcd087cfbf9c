using System.Net;
using System.Text;
using MedPay.Grains.Platform;

namespace MedPay.ApiTests;

[Collection(ApiCollection.Name)]
public sealed class IdempotencyTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    private Task<HttpResponseMessage> PostAsync(string path, string json, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return fixture.Http.SendAsync(request);
    }

    private static async Task<(HttpStatusCode Status, string Body, bool Replayed)> Read(HttpResponseMessage response) =>
        (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));

    [Fact]
    public async Task A_repeated_payment_with_the_same_key_returns_the_first_response_and_settles_once()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await _api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();

        var first = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        var second = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal((first.Status, first.Body), (second.Status, second.Body));
        Assert.True(second.Replayed);
        Assert.Equal(1, fixture.Platform.SettleCalls[$"{orderId}~1"]);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_idempotency_key_reused_and_changes_nothing()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var key = Guid.NewGuid().ToString();
        var created = await PostAsync("/v1/orders", $$"""{"merchantId":"{{merchant}}","merchantOrderNo":"A","userId":"{{userId}}","items":[{"code":"x","name":"x","category":"A","unitPriceFen":100,"quantity":1}]}""", key);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var other = await PostAsync("/v1/orders", $$"""{"merchantId":"{{merchant}}","merchantOrderNo":"B","userId":"{{userId}}","items":[{"code":"x","name":"x","category":"A","unitPriceFen":100,"quantity":1}]}""", key);

        await Expect.ProblemAsync(other, (HttpStatusCode)422, "idempotency_key_reused");
        await Expect.ProblemAsync(await fixture.Http.GetAsync($"/v1/orders/{merchant}~B"), HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task An_error_is_stored_too_and_replayed_even_after_the_cause_is_gone()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var code = await _api.AuthorizeAsync(userId, merchant);
        var body = $$"""{"authCode":"{{code}}"}""";
        var key = Guid.NewGuid().ToString();
        await fixture.Operator.PostAsync($"/v1/vouchers/{userId}/status", new StringContent("""{"status":"suspended"}""", Encoding.UTF8, "application/json"));

        var first = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        await fixture.Operator.PostAsync($"/v1/vouchers/{userId}/status", new StringContent("""{"status":"active"}""", Encoding.UTF8, "application/json"));
        var second = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));

        Assert.Equal(HttpStatusCode.Forbidden, first.Status);
        Assert.Equal((first.Status, first.Body), (second.Status, second.Body));
        Assert.True(second.Replayed);
        // Another key is another request: now it pays.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync($"/v1/orders/{orderId}/payments", body, Guid.NewGuid().ToString())).StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_run_once()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await _api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();
        fixture.Script.Platform(orderId, new SandboxRule(SandboxFault.Delay, TimeSpan.FromMilliseconds(300), Times: 1));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync($"/v1/orders/{orderId}/payments", body, key)));

        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.True(s is 200 or 409, $"got {s}"));
        Assert.Contains(200, statuses);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await Expect.ProblemAsync(conflict, HttpStatusCode.Conflict, "idempotency_key_in_use");
        }

        Assert.Equal(1, fixture.Platform.SettleCalls[$"{orderId}~1"]);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync($"/v1/orders/{orderId}/payments", body, key)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task A_malformed_key_is_400_invalid_idempotency_key(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        await Expect.ProblemAsync(await fixture.Http.SendAsync(request), HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_refused()
    {
        await Expect.ProblemAsync(await PostAsync("/v1/orders", "{}", new string('k', 256)), HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }
}
