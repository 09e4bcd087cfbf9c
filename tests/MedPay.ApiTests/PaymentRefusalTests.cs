using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>
/// Refused and failed payments. Our documented choice: a payment refused before it starts (consent, voucher, order state) is a
/// 403 or 409 problem and leaves the order payable; a payment that failed is a 402 problem carrying the payment's fields; an
/// outcome not yet known is 202.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PaymentRefusalTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private readonly ApiSteps _api = new(fixture.Http);

    [Fact]
    public async Task An_unknown_auth_code_is_403_auth_unknown_and_the_order_stays_created()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);

        await Expect.ProblemAsync(await _api.PayAsync(orderId, "ACNOSUCHCODE23456789ABCDEF"), HttpStatusCode.Forbidden, "auth_unknown");
        // A code issued to another user is unknown for this one.
        var (otherUser, _) = await _api.OpenVoucherAsync();
        var othersCode = await _api.AuthorizeAsync(otherUser, merchantId);
        await Expect.ProblemAsync(await _api.PayAsync(orderId, othersCode), HttpStatusCode.Forbidden, "auth_unknown");

        await AssertPayableAsync(orderId, userId, 500_000);
    }

    [Fact]
    public async Task A_code_used_for_one_order_is_403_auth_used_on_a_second_order()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var first = await _api.CreateOrderAsync(userId, merchantId);
        var second = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(first, code), HttpStatusCode.OK);
        var balance = Expect.Fen(await _api.VoucherAsync(userId), "personalAccountBalanceFen");

        await Expect.ProblemAsync(await _api.PayAsync(second, code), HttpStatusCode.Forbidden, "auth_used");

        await AssertPayableAsync(second, userId, balance);
    }

    [Fact]
    public async Task A_code_given_to_another_merchant_is_403_auth_wrong_merchant_and_stays_usable_for_its_own()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var otherMerchant = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, otherMerchant);

        await Expect.ProblemAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Forbidden, "auth_wrong_merchant");
        await AssertPayableAsync(orderId, userId, 500_000);

        var own = await _api.CreateOrderAsync(userId, otherMerchant);
        await Expect.StatusAsync(await _api.PayAsync(own, code), HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_order_above_the_authorized_amount_is_403_auth_over_amount()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId, maxAmountFen: 39_999);

        await Expect.ProblemAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Forbidden, "auth_over_amount");
        await AssertPayableAsync(orderId, userId, 500_000);
    }

    [Fact]
    public async Task A_code_bound_to_one_merchant_order_is_403_auth_wrong_order_on_another()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var bound = await _api.CreateOrderAsync(userId, merchantId, "RX-A");
        var other = await _api.CreateOrderAsync(userId, merchantId, "RX-B");
        var code = await _api.AuthorizeAsync(userId, merchantId, merchantOrderNo: "RX-A");

        await Expect.ProblemAsync(await _api.PayAsync(other, code), HttpStatusCode.Forbidden, "auth_wrong_order");
        await AssertPayableAsync(other, userId, 500_000);
        await Expect.StatusAsync(await _api.PayAsync(bound, code), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_suspended_voucher_is_403_voucher_suspended_and_pays_again_once_reactivated()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);

        var suspended = await Expect.StatusAsync(
            await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended", reason = "lost phone" }), HttpStatusCode.OK);
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        await Expect.ProblemAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Forbidden, "voucher_suspended");
        await Expect.ProblemAsync(
            await _http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId, maxAmountFen = 100 }), HttpStatusCode.Forbidden, "voucher_suspended");
        Assert.Equal("created", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());

        var active = await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "active" }), HttpStatusCode.OK);
        Assert.Equal("active", active.GetProperty("status").GetString());
        var paid = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.OK);
        Assert.Equal("settled", paid.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_revoked_voucher_is_403_voucher_revoked_and_cannot_be_reactivated()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);

        var revoked = await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "revoked" }), HttpStatusCode.OK);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        await Expect.ProblemAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Forbidden, "voucher_revoked");
        await Expect.ProblemAsync(await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "active" }), HttpStatusCode.Forbidden, "voucher_revoked");

        Assert.Equal("revoked", (await _api.VoucherAsync(userId)).GetProperty("status").GetString());
        Assert.Equal("created", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task After_a_refused_code_the_order_is_still_created_and_pays_with_a_new_code()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var tooSmall = await _api.AuthorizeAsync(userId, merchantId, maxAmountFen: 100);

        await Expect.ProblemAsync(await _api.PayAsync(orderId, tooSmall), HttpStatusCode.Forbidden, "auth_over_amount");
        await Expect.ProblemAsync(await _api.PayAsync(orderId, "ACWRONG"), HttpStatusCode.Forbidden, "auth_unknown");
        await AssertPayableAsync(orderId, userId, 500_000);

        var paid = await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        Assert.Equal("settled", paid.GetProperty("status").GetString());
        var history = (await _api.OrderAsync(orderId)).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()!);
        Assert.Equal(new[] { "created", "paying", "settled" }, history);
    }

    [Fact]
    public async Task A_platform_decline_is_402_platform_declined_with_the_payment_fields_and_the_order_failed()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Decline, Reason: "fee detail rejected"));

        var response = await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId));

        var problem = await FailedPaymentAsync(response, "platform_declined", orderId);
        await AssertSettlementTriedAsync(problem, orderId);
        Assert.Equal(31_500, Expect.Fen(problem.GetProperty("split"), "personalAccountFen"));
        var order = await _api.OrderAsync(orderId);
        Assert.Equal("failed", order.GetProperty("status").GetString());
        Assert.Equal("platform_declined", order.GetProperty("failure").GetProperty("code").GetString());
        Assert.Equal(new[] { "created", "paying", "failed" }, order.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()!));
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(500_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
    }

    [Fact]
    public async Task A_failed_payment_problem_carries_status_once_as_the_http_status_and_the_payment_state_without_a_clash()
    {
        // RFC 7807 defines "status" as the HTTP status number; a payment extension of the same name must not repeat the member.
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Decline));

        var response = await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var statuses = Expect.Members(JsonDocument.Parse(text).RootElement).Where(m => m.Name == "status").Select(m => m.Value.GetRawText()).ToList();
        Assert.True(statuses is ["402"], $"expected one \"status\": 402, got [{string.Join(", ", statuses)}] in {text}");
        Assert.Equal("failed", JsonDocument.Parse(text).RootElement.GetProperty("orderStatus").GetString());
    }

    [Fact]
    public async Task Insufficient_balance_under_a_zero_cash_limit_is_402_insufficient_balance_and_keeps_the_balance()
    {
        var (userId, _) = await _api.OpenVoucherAsync(5);
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId, null, ApiSteps.Item("C", 20_000, 1, "C1"));

        var response = await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId), maxCashFen: 0);

        await FailedPaymentAsync(response, "insufficient_balance", orderId);
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(5_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal("failed", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_cash_decline_is_402_cash_declined_and_keeps_the_balance()
    {
        var (userId, _) = await _api.OpenVoucherAsync(5);
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId, null, ApiSteps.Item("C", 20_000, 1, "C1"));
        await fixture.Sandbox.CashAsync(orderId, new SandboxRule(SandboxFault.Decline, Reason: "card refused"));

        var response = await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId));

        var problem = await FailedPaymentAsync(response, "cash_declined", orderId);
        await AssertSettlementTriedAsync(problem, orderId);
        Assert.Equal(15_000, Expect.Fen(problem.GetProperty("split"), "cashFen"));
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(5_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal("cash_declined", (await _api.OrderAsync(orderId)).GetProperty("failure").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Paying_a_settled_order_again_repeats_its_result_for_the_same_consent_and_is_409_for_another_charging_nothing_more()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);
        var first = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.OK);

        // The same request again (same consent) is a repeat: the first result, not a second payment.
        var repeat = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.OK);
        Assert.Equal(first.GetRawText(), repeat.GetRawText());
        await Expect.ProblemAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.Conflict, "order_already_paid");

        var order = await _api.OrderAsync(orderId);
        Assert.Equal(first.GetProperty("settlementId").GetString(), order.GetProperty("settlementId").GetString());
        Assert.Equal(3, order.GetProperty("history").GetArrayLength());
        Assert.Equal(468_500, Expect.Fen(await _api.VoucherAsync(userId), "personalAccountBalanceFen"));
    }

    [Fact]
    public async Task Paying_a_failed_order_is_409_order_not_payable()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Decline, Times: 1));
        Assert.Equal(HttpStatusCode.PaymentRequired, (await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId))).StatusCode);

        await Expect.ProblemAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.Conflict, "order_not_payable");

        var order = await _api.OrderAsync(orderId);
        Assert.Equal("failed", order.GetProperty("status").GetString());
        Assert.Equal(3, order.GetProperty("history").GetArrayLength());
        Assert.Equal(500_000, Expect.Fen(await _api.VoucherAsync(userId), "personalAccountBalanceFen"));
    }

    [Fact]
    public async Task A_platform_timing_out_beyond_the_retries_is_202_paying_and_a_second_post_settles_it_once()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Timeout, Times: 4));

        var pending = await _api.PayAsync(orderId, code);
        var accepted = await Expect.StatusAsync(pending, HttpStatusCode.Accepted);
        Assert.Equal("paying", accepted.GetProperty("status").GetString());
        Assert.Equal(orderId, accepted.GetProperty("orderId").GetString());
        Assert.Equal($"/v1/orders/{orderId}", pending.Headers.Location?.OriginalString);
        var settlementId = accepted.GetProperty("settlementId").GetString();
        Assert.False(string.IsNullOrEmpty(settlementId));
        Assert.Equal("paying", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());
        Assert.Equal(31_500, Expect.Fen(await _api.VoucherAsync(userId), "reservedFen"));

        var settled = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.OK);
        Assert.Equal("settled", settled.GetProperty("status").GetString());
        Assert.Equal(settlementId, settled.GetProperty("settlementId").GetString());
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(468_500, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal(new[] { "created", "paying", "settled" },
            (await _api.OrderAsync(orderId)).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()!));
    }

    /// <summary>A failed payment: a 402 problem with the failure's code and the payment's fields as extension members.</summary>
    private static async Task<JsonElement> FailedPaymentAsync(HttpResponseMessage response, string code, string orderId)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.PaymentRequired, $"expected 402 {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(Expect.ProblemTypeBase + code, problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), text);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        Assert.Equal(orderId, problem.GetProperty("orderId").GetString());
        // The order's state rides along as "orderStatus": "status" is RFC 7807's, the HTTP status number.
        Assert.Equal("failed", problem.GetProperty("orderStatus").GetString());
        Expect.HasMembers(problem, "settlementId", "split");
        return problem;
    }

    /// <summary>The settlement that was tried: its id, and a split that adds up to the order total.</summary>
    private async Task AssertSettlementTriedAsync(JsonElement problem, string orderId)
    {
        Assert.Equal($"{orderId}~1", problem.GetProperty("settlementId").GetString());
        var split = problem.GetProperty("split");
        var total = Expect.Fen(await _api.OrderAsync(orderId), "totalFen");
        Assert.Equal(total, Expect.Fen(split, "fundFen") + Expect.Fen(split, "personalAccountFen") + Expect.Fen(split, "cashFen"));
    }

    /// <summary>The order is still created (no settlement) and the voucher holds nothing for it.</summary>
    private async Task AssertPayableAsync(string orderId, string userId, long balanceFen)
    {
        var order = await _api.OrderAsync(orderId);
        Assert.Equal("created", order.GetProperty("status").GetString());
        Assert.Equal(1, order.GetProperty("history").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("settlementId").ValueKind);
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(balanceFen, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
    }
}
