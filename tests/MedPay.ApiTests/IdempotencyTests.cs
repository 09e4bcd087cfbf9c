using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure.Data.Tables;
using MedPay.Platform;

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

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private sealed record StoredRecord(string ETag, IReadOnlyList<byte[]> Data, string Text);

    /// <summary>The idempotency grains' records as stored in the silo's table (binary and string properties), by entity key.</summary>
    private async Task<Dictionary<string, StoredRecord>> IdempotencyRecordsAsync()
    {
        var table = new TableClient(ApiFixture.StorageConnectionString, fixture.StateTableName);
        var records = new Dictionary<string, StoredRecord>();
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            if (entity.PartitionKey.Contains("idempotency", StringComparison.OrdinalIgnoreCase) || entity.RowKey.Contains("idempotency", StringComparison.OrdinalIgnoreCase))
            {
                records[$"{entity.PartitionKey}|{entity.RowKey}"] = new StoredRecord(
                    entity.ETag.ToString(),
                    entity.Select(p => p.Value switch { byte[] b => b, BinaryData d => d.ToArray(), _ => null }).OfType<byte[]>().ToList(),
                    string.Join("\n", entity.Select(p => p.Value).OfType<string>()));
            }
        }

        return records;
    }

    /// <summary>The records added or changed between two reads.</summary>
    private static List<string> Written(Dictionary<string, StoredRecord> before, Dictionary<string, StoredRecord> after) =>
        after.Where(r => !before.TryGetValue(r.Key, out var old) || old.ETag != r.Value.ETag).Select(r => r.Key).ToList();

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
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
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
    public async Task A_refused_payment_is_not_stored_and_the_same_key_pays_once_the_cause_is_gone()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var code = await _api.AuthorizeAsync(userId, merchant);
        var body = $$"""{"authCode":"{{code}}"}""";
        var key = Guid.NewGuid().ToString();
        await fixture.Operator.PostAsync($"/v1/vouchers/{userId}/status", new StringContent("""{"status":"suspended"}""", Encoding.UTF8, "application/json"));

        var before = await IdempotencyRecordsAsync();
        var first = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        Assert.Empty(Written(before, await IdempotencyRecordsAsync()));
        await fixture.Operator.PostAsync($"/v1/vouchers/{userId}/status", new StringContent("""{"status":"active"}""", Encoding.UTF8, "application/json"));
        var second = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));

        // A 403 depends on the voucher's state at the time: it is not kept, and the same request with the same key pays.
        Assert.Equal(HttpStatusCode.Forbidden, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.False(second.Replayed);
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
        Assert.Single(Written(before, await IdempotencyRecordsAsync()));
        var third = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        Assert.Equal((second.Status, second.Body, true), third);
    }

    [Fact]
    public async Task A_404_with_a_key_writes_nothing_and_the_same_key_pays_once_the_order_exists()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var body = $$"""{"authCode":"{{await _api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();
        var before = await IdempotencyRecordsAsync();

        await Expect.ProblemAsync(await PostAsync($"/v1/orders/{merchant}~RX-1/payments", body, key), HttpStatusCode.NotFound, "order_not_found");

        Assert.Empty(Written(before, await IdempotencyRecordsAsync()));
        var orderId = await _api.CreateOrderAsync(userId, merchant, "RX-1");
        var paid = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        Assert.Equal(HttpStatusCode.OK, paid.Status);
        Assert.False(paid.Replayed);
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
        // The answer that was a result is stored: the records are where this test looks for them.
        Assert.Single(Written(before, await IdempotencyRecordsAsync()));
    }

    [Fact]
    public async Task A_401_with_a_key_writes_nothing_and_is_never_replayed()
    {
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"merchantId":"{{ApiSteps.Unique("m")}}","name":"x","institutionCode":"H3301"}""";
        var before = await IdempotencyRecordsAsync();

        var first = await PostAsync(fixture.Anonymous, "/v1/admin/merchants", body, key);
        var second = await PostAsync(fixture.Anonymous, "/v1/admin/merchants", body, key);

        await Expect.ProblemAsync(first, HttpStatusCode.Unauthorized, "unauthorized");
        await Expect.ProblemAsync(second, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Empty(Written(before, await IdempotencyRecordsAsync()));
        // With the credential the request is the operator's: processed.
        var registered = await PostAsync(fixture.Operator, "/v1/admin/merchants", body, key);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.False(registered.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(Written(before, await IdempotencyRecordsAsync()));
    }

    [Fact]
    public async Task An_outcome_that_is_an_error_is_stored_and_replayed()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await _api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Decline, Times: 1));

        var first = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));
        var second = await Read(await PostAsync($"/v1/orders/{orderId}/payments", body, key));

        Assert.Equal(HttpStatusCode.PaymentRequired, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal((first.Status, first.Body, true), second);
    }

    [Fact]
    public async Task Responses_with_secrets_replay_byte_identical_but_are_stored_encrypted()
    {
        var merchantId = ApiSteps.Unique("m");
        var (userId, _) = await _api.OpenVoucherAsync();
        var before = await IdempotencyRecordsAsync();
        var requests = new (HttpClient Client, string Path, string Body)[]
        {
            (fixture.Operator, "/v1/admin/merchants", $$"""{"merchantId":"{{merchantId}}","name":"西湖大药房","institutionCode":"H33010600001"}"""),
            (fixture.Operator, $"/v1/admin/merchants/{merchantId}/credentials", ""),
            (fixture.Http, $"/v1/vouchers/{userId}/authorizations", $$"""{"merchantId":"{{merchantId}}","maxAmountFen":100000}"""),
        };

        var secrets = new List<string>();
        foreach (var (client, path, body) in requests)
        {
            var key = Guid.NewGuid().ToString();
            var first = await PostAsync(client, path, body, key);
            var second = await PostAsync(client, path, body, key);
            var firstBytes = await first.Content.ReadAsByteArrayAsync();
            Assert.True(first.IsSuccessStatusCode, $"{path}: {(int)first.StatusCode}");
            Assert.False(first.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(first.StatusCode, second.StatusCode);
            Assert.Equal(firstBytes, await second.Content.ReadAsByteArrayAsync());
            Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
            Assert.Equal(first.Headers.Location, second.Headers.Location);
            Assert.True(second.Headers.Contains("Idempotent-Replayed"));
            var json = await first.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            foreach (var name in new[] { "apiKey", "webhookSecret", "authCode" })
            {
                if (json.TryGetProperty(name, out var secret))
                {
                    secrets.Add(secret.GetString()!);
                }
            }
        }

        Assert.Equal(5, secrets.Count);
        var after = await IdempotencyRecordsAsync();
        Assert.True(Written(before, after).Count >= requests.Length, "each first response is stored");
        foreach (var secret in secrets)
        {
            var utf8 = Encoding.UTF8.GetBytes(secret);
            Assert.DoesNotContain(after.Values, r => r.Data.Any(d => d.AsSpan().IndexOf(utf8) >= 0) || r.Text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_run_once()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchant);
        var body = $$"""{"authCode":"{{await _api.AuthorizeAsync(userId, merchant)}}"}""";
        var key = Guid.NewGuid().ToString();
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Delay, TimeSpan.FromMilliseconds(300), Times: 1));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync($"/v1/orders/{orderId}/payments", body, key)));

        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.True(s is 200 or 409, $"got {s}"));
        Assert.Contains(200, statuses);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await Expect.ProblemAsync(conflict, HttpStatusCode.Conflict, "idempotency_key_in_use");
        }

        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
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
