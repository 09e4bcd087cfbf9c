using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>Failure rule 6: authorization codes and national IDs never appear in the logs of either host.</summary>
[Collection(ApiCollection.Name)]
public sealed partial class SecretsTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private readonly ApiSteps _api = new(fixture.Http);

    [Fact]
    public async Task No_national_id_or_auth_code_reaches_the_logs_after_payments_and_refusals()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(600);
        var otherId = Ids.WithSequence(601);
        var badId = nationalId[..17] + (nationalId[17] == '1' ? '2' : '1');
        var open = new { userId, fullName = "张三", nationalId, insuredRegion = "330100", insuranceType = "employee" };
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", open), HttpStatusCode.Created);
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", open), HttpStatusCode.OK);
        // Another identity named for an opened voucher: refused, and logged without either number.
        await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/vouchers", open with { nationalId = otherId }), HttpStatusCode.Forbidden, "identity_mismatch");
        await Expect.ProblemAsync(
            await _http.PostAsJsonAsync("/v1/vouchers", open with { userId = ApiSteps.Unique("u"), nationalId = badId }), HttpStatusCode.BadRequest, "invalid_national_id");
        await Expect.ProblemAsync(
            await _api.PostRawAsync("/v1/vouchers", $$"""{"userId":"{{userId}}","nationalId":"{{nationalId}}",}"""), HttpStatusCode.BadRequest, "malformed_json");
        await Expect.ProblemAsync(
            await _api.PostRawAsync("/v1/vouchers", $$"""{"userId":"{{userId}}","nationalId":"{{nationalId}}","fullName":"{{new string('x', 1_100_000)}}"}"""),
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        // A request that fails inside the cluster (a user id too long for a storage key) is logged with its exception.
        var failing = await _http.PostAsJsonAsync("/v1/vouchers", open with { userId = "u" + new string('9', 1100) });
        Assert.NotEqual(HttpStatusCode.Created, failing.StatusCode);

        var merchantId = ApiSteps.Unique("m");
        var codes = new List<string>();
        async Task<string> AuthorizeAsync(string merchant)
        {
            var code = await _api.AuthorizeAsync(userId, merchant);
            codes.Add(code);
            return code;
        }

        // Settled, then the spent code on another order, and a code for another merchant.
        var paid = await _api.CreateOrderAsync(userId, merchantId);
        var spent = await AuthorizeAsync(merchantId);
        await Expect.StatusAsync(await _api.PayAsync(paid, spent), HttpStatusCode.OK);
        var refused = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.ProblemAsync(await _api.PayAsync(refused, spent), HttpStatusCode.Forbidden, "auth_used");
        await Expect.ProblemAsync(await _api.PayAsync(refused, await AuthorizeAsync(ApiSteps.Unique("m"))), HttpStatusCode.Forbidden, "auth_wrong_merchant");
        await Expect.ProblemAsync(await _api.PayAsync(refused, codes[^1].ToLowerInvariant()), HttpStatusCode.Forbidden, "auth_unknown");

        // Declined by the platform, and timed out then resumed.
        var declined = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(declined, new SandboxRule(SandboxFault.Decline));
        Assert.Equal(HttpStatusCode.PaymentRequired, (await _api.PayAsync(declined, await AuthorizeAsync(merchantId))).StatusCode);
        var slow = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(slow, new SandboxRule(SandboxFault.Timeout, Times: 4));
        var slowCode = await AuthorizeAsync(merchantId);
        Assert.Equal(HttpStatusCode.Accepted, (await _api.PayAsync(slow, slowCode)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.PayAsync(slow, slowCode)).StatusCode);

        var lines = fixture.Logs.Lines.ToList();
        // The logs of these requests were read: the payments' lines name their orders.
        Assert.Contains(lines, line => line.Contains(declined, StringComparison.Ordinal));
        foreach (var secret in new[] { nationalId, otherId, badId, nationalId[..17], otherId[..17] }.Concat(codes))
        {
            var leaks = lines.Where(line => line.Contains(secret, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(leaks.Count == 0, $"'{secret}' is logged:\n{string.Join("\n", leaks)}");
        }
    }

    [Fact]
    public async Task No_log_line_of_the_whole_run_holds_anything_shaped_like_an_auth_code_or_a_test_national_id()
    {
        // Whatever ran before in this collection is in the logs too; this checks it all.
        var (userId, _) = await _api.OpenVoucherAsync(700);
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);

        var leaks = fixture.Logs.Lines.Where(line => AuthCodeShape().IsMatch(line) || TestNationalIdShape().IsMatch(line)).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    [GeneratedRegex("AC[A-HJ-NP-Z2-9]{24}")]
    private static partial Regex AuthCodeShape();

    [GeneratedRegex("330106(19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}")]
    private static partial Regex TestNationalIdShape();
}
