using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedPay.ClusterTests;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>
/// Orders in manual review, decided by a person: the queue, the platform's answer beside the order, and a decision that
/// MedPay carries out only where the platform's answer allows it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ReviewTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    /// <summary>
    /// An order whose settlement's outcome MedPay cannot learn for longer than ManualReviewAfter (5 s here): the platform
    /// settles it but its reply is lost (<paramref name="settledAtPlatform"/>), or it never takes it; and it answers no
    /// query of it meanwhile. Paid again until it is held for review.
    /// </summary>
    private Task<(string OrderId, string UserId, JsonElement Held)> InReviewAsync(string merchantId, bool settledAtPlatform) =>
        InReviewAsync(fixture, _api, merchantId, settledAtPlatform);

    internal static async Task<(string OrderId, string UserId, JsonElement Held)> InReviewAsync(ApiFixture fixture, ApiSteps _api, string merchantId, bool settledAtPlatform)
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var code = await _api.AuthorizeAsync(userId, merchantId);
        // Few failing calls in all (about 7): enough of them in a row would open the silo's circuit breaker to the
        // platform, and every other test's payments would meet it.
        await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(settledAtPlatform ? SandboxFault.LoseReply : SandboxFault.Timeout, Times: settledAtPlatform ? 1 : 7));
        await fixture.Sandbox.ScriptAsync(orderId, SandboxTarget.PlatformQuery, new SandboxRule(SandboxFault.Timeout, Times: 6));

        var first = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Accepted);
        Assert.Equal("paying", first.GetProperty("status").GetString());
        // Past ManualReviewAfter, the next attempt that learns nothing holds the order for a person.
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        for (var attempt = 0; ; attempt++)
        {
            var paid = await Expect.StatusAsync(await _api.PayAsync(orderId, code), HttpStatusCode.Accepted);
            if (paid.GetProperty("status").GetString() == "manual_review")
            {
                // The platform answers again from now on.
                await fixture.Sandbox.ScriptAsync(orderId, SandboxTarget.PlatformQuery, new SandboxRule(SandboxFault.Delay, Times: 1));
                await fixture.Sandbox.PlatformAsync(orderId, new SandboxRule(SandboxFault.Delay, Times: 1));
                return (orderId, userId, paid);
            }

            Assert.True(attempt < 2, $"the order was never held for review: {paid}");
            await Task.Delay(1_000);
        }
    }

    private static StringContent Decision(string decision, string reason = "checked with the platform's hotline") =>
        JsonContent(new { decision, reason });

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_order_the_platform_settled_is_listed_shown_with_the_platforms_answer_and_settled_by_an_operator_only()
    {
        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        await using var callbacks = CallbackListener.Start("unused");
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/callback", new { callbackUrl = callbacks.Url.ToString(), reason = "test" }), HttpStatusCode.OK);
        var (orderId, userId, held) = await InReviewAsync(merchantId, settledAtPlatform: true);
        var split = held.GetProperty("split");
        Assert.Equal(31_500, Expect.Fen(await _api.VoucherAsync(userId), "reservedFen"));

        var queue = await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/review"), HttpStatusCode.OK);
        var entry = Assert.Single(queue.EnumerateArray(), e => e.GetProperty("orderId").GetString() == orderId);
        Assert.Equal("settlement_unknown", entry.GetProperty("code").GetString());

        var inspected = await Expect.StatusAsync(await fixture.Auditor.GetAsync($"/v1/admin/review/{orderId}"), HttpStatusCode.OK);
        Assert.Equal("manual_review", inspected.GetProperty("order").GetProperty("status").GetString());
        var platform = inspected.GetProperty("platform");
        Assert.Equal("settled", platform.GetProperty("platformStatus").GetString());
        Assert.Equal(split.GetProperty("fundFen").GetInt64(), platform.GetProperty("fundFen").GetInt64());
        Assert.Equal("settle", inspected.GetProperty("allowed").GetString());

        // Nobody but an operator decides; and not against the platform.
        await Expect.ProblemAsync(await fixture.Auditor.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("settle")), HttpStatusCode.Forbidden, "forbidden");
        var user = await fixture.UserClientAsync(userId);
        await Expect.ProblemAsync(await user.GetAsync("/v1/admin/review"), HttpStatusCode.Forbidden, "forbidden");
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("fail")), HttpStatusCode.Conflict, "resolution_contradicts_platform");
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("approve")), HttpStatusCode.BadRequest, "invalid_request");
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", JsonContent(new { decision = "settle" })), HttpStatusCode.BadRequest, "invalid_request");

        var settled = await Expect.StatusAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("settle")), HttpStatusCode.OK);
        Assert.Equal("settled", settled.GetProperty("status").GetString());
        Assert.Contains(settled.GetProperty("history").EnumerateArray(), h => h.GetProperty("cause").GetString()!.StartsWith("settled on review by Olga Operator (olga)", StringComparison.Ordinal));
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal(500_000 - split.GetProperty("personalAccountFen").GetInt64(), Expect.Fen(voucher, "personalAccountBalanceFen"));
        await callbacks.WaitForAsync(c => c.EventId == $"{orderId}:order.settled", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain((await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/review"), HttpStatusCode.OK)).EnumerateArray(), e => e.GetProperty("orderId").GetString() == orderId);

        // The same decision again is answered with the order; another is refused; the platform was asked to settle once.
        Assert.Equal("settled", (await Expect.StatusAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("settle")), HttpStatusCode.OK)).GetProperty("status").GetString());
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("fail")), HttpStatusCode.Conflict, "order_not_in_review");
        Assert.Equal(1, await fixture.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, held.GetProperty("settlementId").GetString()!));

        var audit = await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/audit"), HttpStatusCode.OK);
        var decisions = audit.EnumerateArray().Where(e => e.GetProperty("action").GetString() == "order.resolve_review" && e.GetProperty("target").GetString() == $"order {orderId}").ToList();
        Assert.Contains(decisions, e => e.GetProperty("change").GetString() == "settle" && e.GetProperty("outcome").GetString() == "200"
            && e.GetProperty("operator").GetString() == "olga" && e.GetProperty("reason").GetString() == "checked with the platform's hotline");
        Assert.Contains(decisions, e => e.GetProperty("change").GetString() == "fail" && e.GetProperty("outcome").GetString() == "409 resolution_contradicts_platform");
    }

    [Fact]
    public async Task An_order_the_platform_never_took_can_only_fail_and_its_reservation_goes_back_to_the_voucher()
    {
        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        var (orderId, userId, _) = await InReviewAsync(merchantId, settledAtPlatform: false);

        var inspected = await Expect.StatusAsync(await fixture.Operator.GetAsync($"/v1/admin/review/{orderId}"), HttpStatusCode.OK);
        Assert.Equal("not_found", inspected.GetProperty("platform").GetProperty("platformStatus").GetString());
        Assert.Equal("fail", inspected.GetProperty("allowed").GetString());
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("settle")), HttpStatusCode.Conflict, "resolution_contradicts_platform");

        var failed = await Expect.StatusAsync(await fixture.Operator.PostAsync($"/v1/admin/review/{orderId}/resolve", Decision("fail")), HttpStatusCode.OK);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal(500_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Null(await fixture.Sandbox.RecordAsync(PlatformRecordKind.Settlement, $"{orderId}~1"));
        Assert.Contains(failed.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("type").GetString() == "order.failed");
    }

    [Fact]
    public async Task An_order_not_in_review_is_refused_and_a_notification_can_be_sent_again()
    {
        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        await using var callbacks = CallbackListener.Start("unused", failFirst: 100);
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/callback", new { callbackUrl = callbacks.Url.ToString(), reason = "test" }), HttpStatusCode.OK);
        var (userId, _) = await _api.OpenVoucherAsync();
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.ProblemAsync(await fixture.Operator.GetAsync($"/v1/admin/review/{orderId}"), HttpStatusCode.Conflict, "order_not_in_review");
        await Expect.ProblemAsync(await fixture.Operator.PostAsync($"/v1/admin/orders/{orderId}/notifications/resend", JsonContent(new { reason = "x" })), HttpStatusCode.Conflict, "order_conflict");
        await Expect.ProblemAsync(await fixture.Operator.GetAsync("/v1/admin/review/nobody~none"), HttpStatusCode.NotFound, "order_not_found");

        await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        await callbacks.WaitForAsync(c => c.EventId == $"{orderId}:order.settled", TimeSpan.FromSeconds(10));
        var before = callbacks.Received.Count(c => c.EventId == $"{orderId}:order.settled");

        var resent = await Expect.StatusAsync(await fixture.Operator.PostAsync($"/v1/admin/orders/{orderId}/notifications/resend", JsonContent(new { reason = "merchant asked" })), HttpStatusCode.OK);
        Assert.Equal("settled", resent.GetProperty("status").GetString());
        Assert.True(callbacks.Received.Count(c => c.EventId == $"{orderId}:order.settled") > before, "the settled event was not sent again at once");
        await Expect.ProblemAsync(await fixture.Auditor.PostAsync($"/v1/admin/orders/{orderId}/notifications/resend", JsonContent(new { reason = "x" })), HttpStatusCode.Forbidden, "forbidden");
    }
}
