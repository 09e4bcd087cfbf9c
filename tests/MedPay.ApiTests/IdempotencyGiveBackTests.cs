using System.Net;
using System.Net.Http.Json;
using MedPay.Contracts;
using MedPay.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace MedPay.ApiTests;

/// <summary>
/// After a silo loss the give-back of an idempotency key can fail although the key's activation, and its claim, live on
/// (seen from outside: the directory lookup went to the dead silo, and every retry with the key got 409 for 48.7 s until
/// the claim's lease ran out). Here the API's grain calls to give keys back fail exactly as they did then (an outgoing
/// grain call filter throws <see cref="SiloUnavailableException"/> for them), deterministically.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class IdempotencyGiveBackTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    /// <summary>Fails the API's give-backs (<see cref="IIdempotencyGrain.AbandonAsync"/>) while <see cref="FailuresLeft"/> lasts.</summary>
    private sealed class FailingGiveBacks(int failures) : IOutgoingGrainCallFilter
    {
        private int _failuresLeft = failures;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int FailuresLeft => Math.Max(0, Volatile.Read(ref _failuresLeft));

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IIdempotencyGrain.AbandonAsync))
            {
                Interlocked.Increment(ref _calls);
                if (Interlocked.Decrement(ref _failuresLeft) >= 0)
                {
                    throw new SiloUnavailableException("Unable to connect to the silo that held the key's directory entry (it has just died).");
                }
            }

            await context.Invoke();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, and fails if it does not within <paramref name="seconds"/>.</summary>
    private static async Task HoldsAsync(Func<Task<bool>> condition, int seconds = 15)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(seconds); !await condition(); await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {seconds} s");
        }
    }

    private async Task<(WebApplication Api, HttpClient Merchant, string MerchantId, string ApiKey)> ApiWithAsync(FailingGiveBacks filter, params string[] settings)
    {
        var (merchantId, apiKey) = await fixture.MerchantAsync(ApiSteps.Unique("m"));
        var api = fixture.OtherApi(b => b.Services.AddSingleton<IOutgoingGrainCallFilter>(filter), ["--environment=Development", .. settings]);
        await api.StartAsync();
        var merchant = new HttpClient { BaseAddress = ApiFixture.AddressOf(api), Timeout = TimeSpan.FromSeconds(20) };
        merchant.DefaultRequestHeaders.Authorization = new("Bearer", $"{merchantId}.{apiKey}");
        return (api, merchant, merchantId, apiKey);
    }

    private static HttpRequestMessage Pay(string orderId, string authCode, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/merchant/orders/{orderId}/payments") { Content = JsonContent.Create(new { authCode }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task A_retry_after_a_5xx_whose_give_back_failed_runs_at_once_and_answers_the_requests_real_outcome()
    {
        var filter = new FailingGiveBacks(failures: 1_000);
        // Grain calls time out after 300 ms here, and the platform answers the settlement after 1.8 s: the first request is a 503.
        var (api, merchant, merchantId, apiKey) = await ApiWithAsync(filter, "--MedPay:Clustering:ResponseTimeout=00:00:00.300");
        await using var _ = api;
        using var __ = merchant;
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var authCode = await _api.AuthorizeAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Delay, TimeSpan.FromMilliseconds(1800), Times: 1));
        Assert.Equal(HttpStatusCode.OK, (await merchant.GetAsync($"/v1/merchant/orders/{orderId}")).StatusCode);
        var key = Guid.NewGuid().ToString();

        var first = await merchant.SendAsync(Pay(orderId, authCode, key));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("service_unavailable", (await first.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString());
        Assert.True(filter.Calls >= 1, "the key was given back (and that failed)");
        // The payment goes on in the cluster; once it has settled, the client's retry with the key runs at once (not
        // 409 idempotency_key_in_use until the 60 s lease is over) and answers what really happened.
        using var patient = fixture.MerchantClient(merchantId, apiKey);
        await HoldsAsync(async () => (await Expect.StatusAsync(await patient.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.OK)).GetProperty("status").GetString() == "settled");
        var retry = await merchant.SendAsync(Pay(orderId, authCode, key));
        var settled = await Expect.StatusAsync(retry, HttpStatusCode.OK);
        Assert.Equal("settled", settled.GetProperty("status").GetString());
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        // Its answer is the key's now: repeated, it is replayed; and the platform was asked to settle once.
        var replay = await merchant.SendAsync(Pay(orderId, authCode, key));
        Assert.Equal(settled.GetRawText(), (await Expect.StatusAsync(replay, HttpStatusCode.OK)).GetRawText());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
    }

    [Fact]
    public async Task A_give_back_that_fails_for_a_while_is_retried_until_the_key_is_free_through_every_api()
    {
        var filter = new FailingGiveBacks(failures: 3);
        var (api, merchant, merchantId, apiKey) = await ApiWithAsync(filter);
        await using var _ = api;
        using var __ = merchant;
        var key = Guid.NewGuid().ToString();
        var missing = $"{merchantId}~{ApiSteps.Unique("none")}";

        // A 404 is not stored: the key is given back, which fails three times.
        await Expect.ProblemAsync(await merchant.SendAsync(Pay(missing, "ACNOTACODE", key)), HttpStatusCode.NotFound, "order_not_found");

        // Another API process knows nothing of that attempt: the key is free for it once the give-back got through in the background.
        using var other = fixture.MerchantClient(merchantId, apiKey);
        await HoldsAsync(async () => (await other.SendAsync(Pay(missing, "ACNOTACODE", key))).StatusCode == HttpStatusCode.NotFound, seconds: 15);
        Assert.Equal(0, filter.FailuresLeft);
        Assert.True(filter.Calls >= 4, $"the give-back was tried {filter.Calls} times");
    }
}
