using System.Net;
using System.Net.Http.Json;

namespace MedPay.ApiTests;

/// <summary>
/// What the logs of both hosts hold after a full payment and a round of bad requests: no personal data, no secret, no
/// value a client sent in a bad request, no forged line, and no stack trace for a client's error.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class LogSecretsTests(ApiFixture fixture)
{
    [Fact]
    public async Task Personal_data_and_operator_text_are_redacted_from_the_lines_that_carry_them()
    {
        // The voucher logs its openings and status changes with the user id (personal data) and the operator's reason
        // (free text): both are classified, and the logging pipeline's redactor erases their values.
        var api = new ApiSteps(fixture.Http);
        var (userId, _) = await api.OpenVoucherAsync();
        const string Reason = "caller said her phone was stolen at the station";
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended", reason = Reason }), HttpStatusCode.OK);

        var voucher = await Expect.StatusAsync(await fixture.Operator.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.OK);
        var voucherNo = voucher.GetProperty("voucherNo").GetString()!;
        var opened = Assert.Single(fixture.Logs.Lines, l => l.Contains($"Opened e-voucher {voucherNo} for user", StringComparison.Ordinal));
        Assert.DoesNotContain(userId, opened);
        Assert.Contains(fixture.Logs.Lines, l => l.Contains("is now Suspended", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(userId, StringComparison.Ordinal) && l.Contains("E-voucher", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_requests_log_no_values_no_forged_lines_and_no_stack_traces()
    {
        var api = new ApiSteps(fixture.Http);
        var before = fixture.Logs.Lines.Count;
        const string FullName = "欧阳娜娜";
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(650);
        await Expect.StatusAsync(
            await fixture.Http.PostAsJsonAsync("/v1/vouchers", new { userId, fullName = FullName, nationalId, insuredRegion = "330100", insuranceType = "employee" }), HttpStatusCode.Created);
        var registered = await fixture.Operator.PostAsJsonAsync("/v1/admin/merchants", new { merchantId = ApiSteps.Unique("m"), name = "西湖大药房", institutionCode = "H33010600001", reason = "test" });
        var credentials = await Expect.StatusAsync(registered, HttpStatusCode.Created);
        var apiKey = credentials.GetProperty("apiKey").GetString()!;
        var webhookSecret = credentials.GetProperty("webhookSecret").GetString()!;
        var merchantId = credentials.GetProperty("merchant").GetProperty("merchantId").GetString()!;
        var orderId = await new ApiSteps(fixture.MerchantClient(merchantId, apiKey)).CreateOrderAsync(userId, merchantId);
        var code = await api.AuthorizeAsync(userId, merchantId);
        var user = await fixture.UserClientAsync(userId);
        await Expect.StatusAsync(await user.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode = code }), HttpStatusCode.OK);

        var bad = fixture.Logs.Lines.Count;
        const string Forged = "FORGED-LINE";
        // A query value that does not bind, with a line break in it, as a route value and a query value.
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync($"/v1/vouchers/{userId}/orders?pageSize=1%0A{Forged}%0D%0AError")).StatusCode);
        Assert.True((await user.GetAsync($"/v1/vouchers/{userId}/orders?status=paid%0A{Forged}")).StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK);
        Assert.True((int)(await fixture.Http.GetAsync($"/v1/orders/o%0A{Forged}")).StatusCode is >= 400 and < 500);
        await Expect.ProblemAsync(await fixture.Anonymous.GetAsync($"/v1/vouchers/{userId}?x=%0A{Forged}"), HttpStatusCode.Unauthorized, "unauthorized");
        // An oversize body and a malformed one.
        await Expect.ProblemAsync(
            await api.PostRawAsync("/v1/vouchers", $$"""{"userId":"{{userId}}","nationalId":"{{nationalId}}","fullName":"{{new string('x', 1_100_000)}}"}"""),
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await Expect.ProblemAsync(await api.PostRawAsync("/v1/vouchers", $$"""{"userId":"{{userId}}","fullName":"{{Forged}}",}"""), HttpStatusCode.BadRequest, "malformed_json");
        // A forged merchant credential.
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.MerchantClient(merchantId, Forged).GetAsync($"/v1/merchant/orders/{orderId}")).StatusCode);
        await Task.Delay(200);

        var all = fixture.Logs.Lines.ToList();
        foreach (var secret in new[] { nationalId, FullName, code, apiKey, webhookSecret })
        {
            var leaks = all.Where(line => line.Contains(secret, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(leaks.Count == 0, $"'{secret}' is logged:\n{string.Join("\n", leaks)}");
        }

        var badRequests = all.Skip(bad).ToList();
        var echoed = badRequests.Where(line => line.Contains(Forged, StringComparison.Ordinal)).ToList();
        Assert.True(echoed.Count == 0, "a request value is logged:\n" + string.Join("\n---\n", echoed));
        var traces = badRequests.Where(line => line.Contains("   at ", StringComparison.Ordinal) || line.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(traces.Count == 0, "a client error is logged as an error or with a stack trace:\n" + string.Join("\n---\n", traces));
        // No log line of the whole run breaks where a client put a line break.
        Assert.DoesNotContain(all, line => line.Contains("\n" + Forged, StringComparison.Ordinal) || line.Contains("\r\nError", StringComparison.Ordinal));
        Assert.True(before <= bad);
    }
}
