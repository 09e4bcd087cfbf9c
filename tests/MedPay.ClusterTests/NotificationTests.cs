using System.Text.Json;
using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class NotificationTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task A_settled_payment_is_notified_signed_with_a_stable_event_id()
    {
        using var listener = CallbackListener.Start("placeholder");
        var merchantId = await _s.RegisterMerchantOfAsync(listener);

        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);

        var received = await listener.WaitForAsync(c => c.EventId == $"{paid.OrderId}:order.settled", Patience);
        Assert.True(received.SignatureValid);
        Assert.Equal("order.settled", received.EventType);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("settled", body.RootElement.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(paid.Split!.CashFen, body.RootElement.GetProperty("order").GetProperty("split").GetProperty("cashFen").GetInt64());
        await Eventually.HoldsAsync(async () => (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single().Status == NotificationStatus.Delivered);
    }

    [Fact]
    public async Task A_prompt_receiver_is_told_before_the_payment_answers_and_one_write_records_the_outcome_and_the_delivery()
    {
        using var listener = CallbackListener.Start("placeholder");
        var merchantId = await _s.RegisterMerchantOfAsync(listener);

        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);

        // No waiting: the first attempt was made, and acknowledged, before the settled state was written.
        Assert.Contains(listener.Received, c => c.EventId == $"{paid.OrderId}:order.settled" && c.ResponseStatus == 200);
        var notification = (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single();
        Assert.Equal((NotificationStatus.Delivered, 1), (notification.Status, notification.Attempts));
    }

    [Fact]
    public async Task A_slow_receiver_holds_the_payment_up_for_at_most_the_first_attempt_timeout_and_is_told_again_later()
    {
        using var listener = CallbackListener.Start("placeholder", slowFirst: 1, slowBy: TimeSpan.FromSeconds(4));
        var merchantId = await _s.RegisterMerchantOfAsync(listener);

        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);
        // The payment answered without waiting for the receiver's answer (it comes after 4 s; the first attempt waits 1 s).
        Assert.Empty(listener.Received);
        var first = (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single();
        Assert.Equal(NotificationStatus.Pending, first.Status);
        Assert.Contains("first attempt", first.LastError);

        await Eventually.HoldsAsync(async () => (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single().Status == NotificationStatus.Delivered);
        await Eventually.HoldsAsync(() => Task.FromResult(listener.Received.Count(c => c.EventId == $"{paid.OrderId}:order.settled") == 2));
    }

    [Fact]
    public async Task A_receiver_that_fails_at_first_gets_the_same_event_again_until_it_acknowledges()
    {
        using var listener = CallbackListener.Start("placeholder", failFirst: 2);
        var merchantId = await _s.RegisterMerchantOfAsync(listener);

        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);

        await Eventually.HoldsAsync(async () => (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single().Status == NotificationStatus.Delivered);
        var deliveries = listener.Received.Where(c => c.EventId == $"{paid.OrderId}:order.settled").ToList();
        Assert.Equal(3, deliveries.Count);
        Assert.Equal([500, 500, 200], deliveries.Select(d => d.ResponseStatus));
        Assert.Single(deliveries.Select(d => d.Body).Distinct());
        var notification = (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single();
        Assert.Equal(3, notification.Attempts);
    }

    [Fact]
    public async Task Failures_refunds_and_cancellations_are_notified_too()
    {
        using var listener = CallbackListener.Start("placeholder");
        var merchantId = await _s.RegisterMerchantOfAsync(listener);

        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);
        await _s.Order(paid.OrderId).RefundAsync(new("r1", 1_000, "one box"));
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var declined = await _s.CreateOrderAsync(userId, merchantId, Scenario.A(1_000));
        await TestWorld.Sandbox.PlatformAsync(declined.OrderId, new(SandboxFault.Decline));
        await _s.Order(declined.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchantId), null));
        var cancelled = await _s.CreateOrderAsync(userId, merchantId, Scenario.A(1_000));
        await _s.Order(cancelled.OrderId).CancelAsync("not needed");

        await listener.WaitForAsync(c => c.EventId == $"{paid.OrderId}:order.refunded:r1", Patience);
        await listener.WaitForAsync(c => c.EventId == $"{declined.OrderId}:order.failed", Patience);
        await listener.WaitForAsync(c => c.EventId == $"{cancelled.OrderId}:order.cancelled", Patience);
        Assert.All(listener.Received, c => Assert.True(c.SignatureValid));
    }

    [Fact]
    public async Task A_merchant_without_a_callback_address_shows_the_notification_as_failed_with_the_reason()
    {
        var (merchantId, _) = await _s.RegisterMerchantAsync();
        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);

        await Eventually.HoldsAsync(async () => (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single().Status == NotificationStatus.Failed);
        Assert.Contains("no callback", (await _s.Order(paid.OrderId).GetAsync()).Value!.Notifications.Single().LastError);
    }
}

[Collection(SteadyClockCollection.Name)]
public sealed class MerchantTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task Credentials_verify_rotate_and_are_never_shown_again()
    {
        var (merchantId, credentials) = await _s.RegisterMerchantAsync("https://pharmacy.example/callbacks");
        var merchant = _s.Merchant(merchantId);
        Assert.True(await merchant.VerifyAsync(credentials.ApiKey));
        Assert.False(await merchant.VerifyAsync(credentials.ApiKey + "x"));
        Assert.DoesNotContain(credentials.ApiKey, credentials.ToString());

        var rotated = (await merchant.RotateCredentialsAsync()).Value!;
        Assert.False(await merchant.VerifyAsync(credentials.ApiKey));
        Assert.True(await merchant.VerifyAsync(rotated.ApiKey));
        Assert.NotEqual(credentials.WebhookSecret, rotated.WebhookSecret);
        Assert.Equal(ErrorCodes.MerchantConflict, (await merchant.RegisterAsync(new("Again", "H33010012345", null))).Error!.Code);
        Assert.Equal(ErrorCodes.InvalidCallbackUrl, (await _s.Merchant(TestWorld.Unique("m")).RegisterAsync(new("X", "H3301", "http://10.0.0.1/cb"))).Error!.Code);
    }

    [Fact]
    public async Task Listings_and_the_daily_statement_agree_with_the_orders()
    {
        var merchantId = TestWorld.Unique("m");
        var (userId, _, paid) = await _s.PaidOrderAsync(merchantId);
        await _s.Order(paid.OrderId).RefundAsync(new("r1", 5_000, "one box"));
        var unpaid = await _s.CreateOrderAsync(userId, merchantId, Scenario.A(700));
        var query = fixture.Medpay.Grains.GetGrain<IOrderQueryGrain>(0);

        var mine = await query.ListForUserAsync(userId, null, null, 10);
        Assert.Equal([unpaid.OrderId, paid.OrderId], mine.Orders.Select(o => o.OrderId));
        var day = DateOnly.FromDateTime(fixture.Medpay.Clock.GetUtcNow().UtcDateTime);
        var settled = await query.ListForMerchantAsync(merchantId, day, OrderStatus.PartiallyRefunded, null, 10);
        Assert.Equal([paid.OrderId], settled.Orders.Select(o => o.OrderId));

        var statement = await query.ReconcileAsync(merchantId, day);
        Assert.Equal(1, statement.SettledCount);
        Assert.Equal(paid.Split, statement.Settled);
        Assert.Equal(1, statement.RefundCount);
        Assert.Equal(5_000, statement.RefundedTotalFen);
        Assert.Empty(statement.Mismatches);
    }
}
