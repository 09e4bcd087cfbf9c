using System.Net;
using System.Net.Http.Json;
using MedPay.Api;
using Microsoft.AspNetCore.Builder;

namespace MedPay.ApiTests;

/// <summary>Every caller has a limit: per principal, per address without a credential or after failed authentication, and tighter for consent.</summary>
[Collection(ApiCollection.Name)]
public sealed class RateLimitTests(ApiFixture fixture)
{
    /// <summary>A second API on the fixture's cluster with small limits; its own limiters, so the fixture's API is not touched.</summary>
    private async Task<(WebApplication Api, Uri Address)> StrictApiAsync(params string[] limits)
    {
        var api = fixture.OtherApi(["--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", .. limits]);
        await api.StartAsync();
        return (api, ApiFixture.AddressOf(api));
    }

    /// <summary>A real-name-verified token from the strict API's own development issuer.</summary>
    private static async Task<string> TokenAsync(Uri address, string subject, (string FullName, string NationalId)? person = null)
    {
        using var http = new HttpClient { BaseAddress = address };
        var form = new Dictionary<string, string> { ["grant_type"] = "urn:medpay:grant-type:development", ["sub"] = subject, ["realname"] = "face" };
        if (person is { } verified)
        {
            form["full_name"] = verified.FullName;
            form["national_id"] = verified.NationalId;
        }

        var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await Expect.StatusAsync(response, HttpStatusCode.OK);
        return body.GetProperty("access_token").GetString()!;
    }

    private static HttpClient Client(Uri address, string? token) =>
        new() { BaseAddress = address, DefaultRequestHeaders = { Authorization = token is null ? null : new("Bearer", token) } };

    private static async Task ExpectRateLimitedAsync(HttpResponseMessage response)
    {
        await Expect.ProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(response.Headers.RetryAfter?.Delta is { } after && after >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
    }

    [Fact]
    public async Task A_principal_over_its_limit_gets_429_with_retry_after_and_other_callers_are_served()
    {
        var (api, address) = await StrictApiAsync("--MedPay:RateLimits:PerPrincipal=5", "--MedPay:RateLimits:Window=00:01:00");
        await using var _ = api;
        var (greedy, _) = await new ApiSteps(fixture.Http).OpenVoucherAsync();
        var (patient, _) = await new ApiSteps(fixture.Http).OpenVoucherAsync();
        using var greedyClient = Client(address, await TokenAsync(address, greedy));
        using var patientClient = Client(address, await TokenAsync(address, patient));

        for (var i = 0; i < 5; i++)
        {
            await Expect.StatusAsync(await greedyClient.GetAsync($"/v1/vouchers/{greedy}"), HttpStatusCode.OK);
        }

        await ExpectRateLimitedAsync(await greedyClient.GetAsync($"/v1/vouchers/{greedy}"));
        // Another person, and a merchant, are not throttled by it; nor is the health endpoint.
        await Expect.StatusAsync(await patientClient.GetAsync($"/v1/vouchers/{patient}"), HttpStatusCode.OK);
        var (merchantId, apiKey) = await fixture.MerchantAsync(ApiSteps.Unique("m"));
        using var merchant = Client(address, $"{merchantId}.{apiKey}");
        await Expect.ProblemAsync(await merchant.GetAsync("/v1/merchant/orders/o-none"), HttpStatusCode.NotFound, "order_not_found");
        using var anonymous = Client(address, null);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        }
    }

    [Fact]
    public async Task Consent_is_limited_more_tightly_than_reading()
    {
        var (api, address) = await StrictApiAsync("--MedPay:RateLimits:SensitivePerPrincipal=2", "--MedPay:RateLimits:SensitiveWindow=00:01:00");
        await using var _ = api;
        var (userId, nationalId) = await new ApiSteps(fixture.Http).OpenVoucherAsync();
        using var user = Client(address, await TokenAsync(address, userId, ("张三", nationalId)));
        var (merchantId, _) = await fixture.MerchantAsync(ApiSteps.Unique("m"));
        var consent = new { merchantId, maxAmountFen = 1_000 };
        await Expect.StatusAsync(await user.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Created);
        await Expect.StatusAsync(await user.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Created);
        await ExpectRateLimitedAsync(await user.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent));
        // Opening counts against the same limit.
        await ExpectRateLimitedAsync(await user.PostAsJsonAsync("/v1/vouchers", new { insuredRegion = "330100", insuranceType = "employee" }));
        // Reading is still served.
        await Expect.StatusAsync(await user.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Failed_authentication_shuts_the_address_out_and_anonymous_callers_are_limited()
    {
        var (api, address) = await StrictApiAsync("--MedPay:RateLimits:FailedAuthPerAddress=3", "--MedPay:RateLimits:FailedAuthWindow=00:01:00");
        await using var _ = api;
        using var forger = Client(address, "m-victim.not-the-key");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await forger.GetAsync("/v1/merchant/orders/o-1")).StatusCode);
        }

        await ExpectRateLimitedAsync(await forger.GetAsync("/v1/merchant/orders/o-1"));
        Assert.Equal(HttpStatusCode.OK, (await forger.GetAsync("/health/ready")).StatusCode);

        var (api2, address2) = await StrictApiAsync("--MedPay:RateLimits:AnonymousPerAddress=4", "--MedPay:RateLimits:Window=00:01:00");
        await using var __ = api2;
        using var anonymous = Client(address2, null);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        }

        await ExpectRateLimitedAsync(await anonymous.GetAsync("/openapi/v1.json"));
    }

    [Fact]
    public async Task Limits_that_make_no_sense_stop_the_api_from_starting()
    {
        foreach (var (setting, section) in new[] { ("--MedPay:RateLimits:PerPrincipal=0", "MedPay:RateLimits:PerPrincipal"), ("--MedPay:Kestrel:RequestHeadersTimeout=00:00:00", "MedPay:Kestrel:RequestHeadersTimeout") })
        {
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            {
                await using var api = fixture.OtherApi("--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", setting);
                await api.StartAsync();
            });
            Assert.Contains(section, error.Message);
        }
    }

    [Fact]
    public async Task Every_v1_response_says_no_store()
    {
        var (userId, _) = await new ApiSteps(fixture.Http).OpenVoucherAsync();
        var responses = new List<HttpResponseMessage>
        {
            await fixture.Http.GetAsync($"/v1/vouchers/{userId}"),
            await fixture.Http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId = ApiSteps.Unique("m"), maxAmountFen = 1_000 }),
            await fixture.Anonymous.GetAsync($"/v1/vouchers/{userId}"),
            await fixture.Http.GetAsync("/v1/orders/o-none"),
            await fixture.Operator.PostAsJsonAsync("/v1/admin/merchants", new { merchantId = ApiSteps.Unique("m"), name = "西湖大药房", institutionCode = "H33010600001", reason = "test" }),
            await fixture.Anonymous.GetAsync("/v1/merchant/orders?pageSize=abc"),
            await fixture.Operator.GetAsync("/v1/admin/audit?limit=abc"),
        };
        foreach (var response in responses)
        {
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{response.RequestMessage!.RequestUri} {(int)response.StatusCode}: Cache-Control {response.Headers.CacheControl}");
        }
    }
}
