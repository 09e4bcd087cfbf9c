using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedPay.Platform;

namespace MedPay.ApiTests;

[Collection(ApiCollection.Name)]
public sealed class MerchantApiTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    private Task<(string MerchantId, string ApiKey, HttpClient Client)> RegisterAsync() => fixture.RegisterMerchantAsync();

    [Fact]
    public async Task Registration_and_rotation_are_operator_operations()
    {
        var anonymous = await fixture.Anonymous.PostAsJsonAsync("/v1/admin/merchants", new { merchantId = "m-x", name = "x", institutionCode = "H3301" });
        await Expect.ProblemAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        var (merchantId, apiKey, _) = await RegisterAsync();
        await Expect.ProblemAsync(await fixture.Operator.PostAsJsonAsync("/v1/admin/merchants", new { merchantId, name = "again", institutionCode = "H3301" }), HttpStatusCode.Conflict, "merchant_conflict");
        var rotated = await Expect.StatusAsync(await fixture.Operator.PostAsync($"/v1/admin/merchants/{merchantId}/credentials", null), HttpStatusCode.OK);
        Assert.NotEqual(apiKey, rotated.GetProperty("apiKey").GetString());
        await Expect.ProblemAsync(await fixture.MerchantClient(merchantId, apiKey).GetAsync("/v1/merchant/orders"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.1/cb")]
    [InlineData("https://[::1]/cb")]
    [InlineData("https://localhost/cb")]
    public async Task A_callback_address_inside_the_network_is_refused_at_registration_and_change(string url)
    {
        await Expect.ProblemAsync(
            await fixture.Operator.PostAsJsonAsync("/v1/admin/merchants", new { merchantId = ApiSteps.Unique("m"), name = "Probe", institutionCode = "H3301", callbackUrl = url }),
            HttpStatusCode.BadRequest, "invalid_callback_url");

        var (merchantId, _, _) = await RegisterAsync();
        await Expect.ProblemAsync(
            await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/callback", new { callbackUrl = url, reason = "probe" }),
            HttpStatusCode.BadRequest, "invalid_callback_url");
        await Expect.StatusAsync(
            await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/callback", new { callbackUrl = "https://pharmacy.example/callbacks", reason = "ok" }),
            HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delivery_errors_are_shown_to_the_merchant_and_operators_but_not_to_the_user()
    {
        // No callback address: the settled notification fails, with the reason, on the order.
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);

        var merchantView = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Contains("callback", merchantView.GetProperty("notifications").EnumerateArray().Single().GetProperty("lastError").GetString());
        var asMerchant = await Expect.StatusAsync(await merchant.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Single(asMerchant.GetProperty("notifications").EnumerateArray());
        var asOperator = await Expect.StatusAsync(await fixture.Operator.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Single(asOperator.GetProperty("notifications").EnumerateArray());

        using var user = await fixture.UserClientAsync(userId);
        var response = await user.GetAsync($"/v1/orders/{orderId}");
        var asUser = await Expect.StatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("settled", asUser.GetProperty("status").GetString());
        Assert.False(asUser.TryGetProperty("notifications", out _));
        Assert.DoesNotContain("lastError", asUser.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_medical_service_end_pays_for_the_application_and_gets_the_same_result()
    {
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);

        var paid = await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/merchant/orders/{orderId}/payments", new { authCode = code }), HttpStatusCode.OK);
        Assert.Equal("settled", paid.GetProperty("status").GetString());
        // A repeat on either path answers with the same result, and nothing is paid twice.
        var direct = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.OK);
        Assert.Equal(paid.GetRawText(), direct.GetRawText());
        var view = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Equal("settled", view.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_merchant_reaches_only_its_own_orders()
    {
        var (_, _, intruder) = await RegisterAsync();
        var (victim, _, _) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, victim);
        var code = await _api.AuthorizeAsync(userId, victim);

        await Expect.ProblemAsync(await intruder.PostAsJsonAsync($"/v1/merchant/orders/{orderId}/payments", new { authCode = code }), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await intruder.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await intruder.PostAsJsonAsync($"/v1/orders/{orderId}/cancel", new { reason = "x" }), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await fixture.Anonymous.PostAsJsonAsync($"/v1/orders/{orderId}/refunds", new { refundId = "r1", amountFen = 1, reason = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("created", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_refused_refund_is_202_manual_review_with_its_failure_code_and_a_mismatch_of_the_statement()
    {
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        await fixture.Sandbox.PlatformRefundAsync(orderId, new SandboxRule(SandboxFault.Decline, Reason: "refund window closed"));

        var body = new { refundId = "r1", amountFen = 10_000, reason = "one box returned" };
        var refund = await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/orders/{orderId}/refunds", body), HttpStatusCode.Accepted);
        Assert.Equal("manual_review", refund.GetProperty("status").GetString());
        Assert.Equal("refund_declined", refund.GetProperty("failure").GetProperty("code").GetString());
        Assert.Equal("refund window closed", refund.GetProperty("failure").GetProperty("message").GetString());
        // A repeat answers the same, and the order shows it so.
        Assert.Equal(refund.GetRawText(), (await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/orders/{orderId}/refunds", body), HttpStatusCode.Accepted)).GetRawText());
        var order = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Equal("settled", order.GetProperty("status").GetString());
        Assert.Equal(refund.GetRawText(), order.GetProperty("refunds").EnumerateArray().Single().GetRawText());
        Assert.Contains(order.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("type").GetString() == "order.refund_review");

        var day = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var statement = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}"), HttpStatusCode.OK);
        Assert.Equal(0, statement.GetProperty("refundedFen").GetInt64());
        var mismatch = statement.GetProperty("mismatches").EnumerateArray().Single();
        Assert.Equal("refund in review: r1", mismatch.GetProperty("what").GetString());
        Assert.Contains("refund_declined: refund window closed", mismatch.GetProperty("order").GetString());
    }

    [Fact]
    public async Task Refunds_cancellation_listings_and_the_statement_over_http()
    {
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var paidId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(paidId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        var unpaidId = await _api.CreateOrderAsync(userId, merchantId);

        var refund = await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/orders/{paidId}/refunds", new { refundId = "r1", amountFen = 10_000, reason = "one box returned" }), HttpStatusCode.OK);
        Assert.Equal("succeeded", refund.GetProperty("status").GetString());
        Assert.Equal(10_000, refund.GetProperty("split").EnumerateObject().Sum(p => p.Value.GetInt64()));
        var again = await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/orders/{paidId}/refunds", new { refundId = "r1", amountFen = 10_000, reason = "one box returned" }), HttpStatusCode.OK);
        Assert.Equal(refund.GetRawText(), again.GetRawText());
        await Expect.ProblemAsync(await merchant.PostAsJsonAsync($"/v1/orders/{paidId}/refunds", new { refundId = "r2", amountFen = 1_000_000, reason = "too much" }), (HttpStatusCode)422, "refund_exceeds_paid");

        var cancelled = await Expect.StatusAsync(await merchant.PostAsJsonAsync($"/v1/orders/{unpaidId}/cancel", new { reason = "out of stock" }), HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await Expect.ProblemAsync(await _api.PayAsync(unpaidId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.Conflict, "order_cancelled");

        var mine = await Expect.StatusAsync(await fixture.Http.GetAsync($"/v1/vouchers/{userId}/orders"), HttpStatusCode.OK);
        Assert.Equal([unpaidId, paidId], mine.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()));
        var theirs = await Expect.StatusAsync(await merchant.GetAsync("/v1/merchant/orders?status=partially_refunded"), HttpStatusCode.OK);
        Assert.Equal([paidId], theirs.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()));

        var day = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var statement = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}"), HttpStatusCode.OK);
        Assert.Equal(1, statement.GetProperty("settledCount").GetInt32());
        Assert.Equal(40_000, statement.GetProperty("totalFen").GetInt64());
        Assert.Equal(10_000, statement.GetProperty("refundedFen").GetInt64());
        Assert.Empty(statement.GetProperty("mismatches").EnumerateArray());
        var csv = await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains(merchantId, await csv.Content.ReadAsStringAsync());
        await Expect.ProblemAsync(await merchant.GetAsync("/v1/merchant/reconciliation?day=26-11-2026"), HttpStatusCode.BadRequest, "invalid_day");
        await Expect.ProblemAsync(await merchant.GetAsync("/v1/merchant/orders?pageToken=garbage"), HttpStatusCode.BadRequest, "invalid_page_token");
    }

    [Fact]
    public async Task The_statement_checks_the_platform_statement_a_settled_order_agrees_and_misreported_amounts_are_a_difference()
    {
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var paidId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(paidId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        var day = DateTime.UtcNow.ToString("yyyy-MM-dd");

        var clean = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}"), HttpStatusCode.OK);
        Assert.Empty(clean.GetProperty("mismatches").EnumerateArray());
        var check = clean.GetProperty("platformCheck");
        Assert.Equal("checked", check.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("reason").ValueKind);
        var settled = check.GetProperty("settled");
        Assert.Equal(1, settled.GetProperty("medpay").GetProperty("count").GetInt32());
        Assert.Equal(settled.GetProperty("medpay").GetRawText(), settled.GetProperty("platform").GetRawText());
        Assert.Equal(clean.GetProperty("settled").GetProperty("fundFen").GetInt64(), settled.GetProperty("platform").GetProperty("fundFen").GetInt64());

        // The platform settles the next order but reports other amounts than asked: held for review, and the statement shows it.
        var misreportedId = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(misreportedId, new SandboxRule(SandboxFault.MisreportAmounts));
        await Expect.StatusAsync(await _api.PayAsync(misreportedId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.Accepted);
        var statement = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}"), HttpStatusCode.OK);
        var difference = statement.GetProperty("mismatches").EnumerateArray().Single(m => m.GetProperty("what").GetString() == "platform amounts differ");
        Assert.Equal(misreportedId, difference.GetProperty("orderId").GetString());
        Assert.StartsWith("manual_review", difference.GetProperty("order").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("settled, fund ", difference.GetProperty("platform").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(statement.GetProperty("mismatches").EnumerateArray(), m => m.GetProperty("orderId").GetString() == paidId);

        var csv = await (await merchant.GetAsync($"/v1/merchant/reconciliation?day={day}&format=csv")).Content.ReadAsStringAsync();
        Assert.Contains($"{misreportedId},platform amounts differ,", csv, StringComparison.Ordinal);
        Assert.Contains("\nplatformCheck,side,settledCount,", csv, StringComparison.Ordinal);
        Assert.Contains("\nchecked,platform,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operators_daily_check_is_for_operators_and_auditors_and_lists_the_platforms_differences_by_merchant()
    {
        var (merchantId, _, merchant) = await RegisterAsync();
        var (userId, _) = await _api.OpenVoucherAsync();
        var misreportedId = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(misreportedId, new SandboxRule(SandboxFault.MisreportAmounts));
        await Expect.StatusAsync(await _api.PayAsync(misreportedId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.Accepted);
        var day = DateTime.UtcNow.ToString("yyyy-MM-dd");

        await Expect.ProblemAsync(await merchant.GetAsync($"/v1/admin/reconciliation?day={day}"), HttpStatusCode.Forbidden, "forbidden");
        await Expect.ProblemAsync(await fixture.Anonymous.GetAsync($"/v1/admin/reconciliation?day={day}"), HttpStatusCode.Unauthorized, "unauthorized");
        await Expect.ProblemAsync(await fixture.Auditor.GetAsync("/v1/admin/reconciliation"), HttpStatusCode.BadRequest, "invalid_day");

        var check = await Expect.StatusAsync(await fixture.Auditor.GetAsync($"/v1/admin/reconciliation?day={day}"), HttpStatusCode.OK);
        Assert.Equal(day, check.GetProperty("day").GetString());
        Assert.True(check.GetProperty("merchantCount").GetInt32() >= 1);
        Assert.Equal("checked", check.GetProperty("platformCheck").GetProperty("status").GetString());
        Assert.True(check.GetProperty("platformStated").GetProperty("settled").GetProperty("count").GetInt32() >= 1);
        var difference = check.GetProperty("mismatches").EnumerateArray().Single(m => m.GetProperty("orderId").GetString() == misreportedId && m.GetProperty("what").GetString() == "platform amounts differ");
        Assert.Equal(merchantId, difference.GetProperty("merchantId").GetString());

        var csv = await fixture.Operator.GetAsync($"/v1/admin/reconciliation?day={day}&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"{merchantId},{misreportedId},platform amounts differ,", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
