using System.Text;
using Azure.Data.Tables;
using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class RefundTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task A_full_refund_returns_every_bucket_and_restores_the_voucher()
    {
        var (userId, opened, paid) = await _s.PaidOrderAsync(TestWorld.Unique("m"));
        // Deductible 30,000 of the 50,000 covered; fund 85 % of 20,000 = 17,000; personal 20,000; cash 28,000.
        Assert.Equal(new Split(17_000, 20_000, 28_000), paid.Split);

        var refund = (await _s.Order(paid.OrderId).RefundAsync(new("r1", 65_000, "returned goods"))).Value!;

        Assert.Equal(RefundStatus.Succeeded, refund.Status);
        Assert.Equal(paid.Split, refund.Split);
        var order = (await _s.Order(paid.OrderId).GetAsync()).Value!;
        Assert.Equal(OrderStatus.Refunded, order.Status);
        Assert.Equal(paid.Split, order.Refunded);
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(opened.PersonalAccountBalanceFen, voucher.PersonalAccountBalanceFen);
        Assert.Equal(0, voucher.Accumulators.FundPaidFen);
        var atPlatform = (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Refund, refund.RefundSettlementId))!;
        Assert.Equal((PlatformOutcome.Succeeded, 17_000, 20_000), (atPlatform.Outcome, atPlatform.FundFen, atPlatform.PersonalAccountFen));
        Assert.Equal(28_000, (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.CashRefund, refund.RefundSettlementId))!.CashFen);
    }

    /// <summary>The stated bound of one order's stored state with the most refunds it can have (50 by default).</summary>
    private const int MaxOrderStateBytes = 32 * 1024;

    [Fact]
    public async Task Refunds_per_order_are_capped_and_the_order_state_stays_bounded()
    {
        var merchantId = TestWorld.Unique("m");
        var (_, _, paid) = await _s.PaidOrderAsync(merchantId);
        var order = _s.Order(paid.OrderId);

        for (var i = 1; i <= 50; i++)
        {
            var refund = await order.RefundAsync(new($"r{i}", 1, $"one fen back, number {i}"));
            Assert.Equal(RefundStatus.Succeeded, refund.Value!.Status);
        }

        var refused = await order.RefundAsync(new("r51", 1, "one fen more"));
        Assert.Equal(ErrorCodes.TooManyRefunds, refused.Error!.Code);
        // A repeat of a refund the order has is still answered, the same as before.
        Assert.Equal((await order.GetAsync()).Value!.Refunds[0], (await order.RefundAsync(new("r1", 1, "one fen back, number 1"))).Value);

        var view = (await order.GetAsync()).Value!;
        Assert.Equal(50, view.Refunds.Length);
        Assert.Equal(50, view.Refunded.TotalFen);
        // Finished notifications leave the outbox for a delivery log of the last 20; history keeps its first entry and the latest.
        Assert.Equal(20, view.Notifications.Length);
        Assert.Equal(31, view.NotificationsDropped);
        Assert.Equal(view.OrderId, paid.OrderId);
        Assert.InRange(view.History.Length, 2, 64);
        Assert.Equal(OrderStatus.Created, view.History[0].Status);
        Assert.True(view.HistoryDropped > 0);
        Assert.Contains("r50", view.History[^1].Cause);

        var stored = await StoredBytesAsync(merchantId, "order");
        Assert.InRange(stored, 1, MaxOrderStateBytes);
    }

    /// <summary>The size of the stored state (every data column of its Azure table entity) of the grain whose key holds <paramref name="keyPart"/>.</summary>
    private async Task<int> StoredBytesAsync(string keyPart, string stateName)
    {
        var table = new TableClient(TestWorld.StorageConnectionString, fixture.Medpay.TableName);
        var sizes = new List<int>();
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            if (entity.PartitionKey.Contains(keyPart, StringComparison.Ordinal) && entity.RowKey.Contains(stateName, StringComparison.OrdinalIgnoreCase))
            {
                sizes.Add(entity.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
                    .Sum(p => p.Value switch { byte[] b => b.Length, BinaryData d => d.ToArray().Length, string t => Encoding.UTF8.GetByteCount(t), _ => 8 }));
            }
        }

        return Assert.Single(sizes);
    }

    [Fact]
    public async Task Partial_refunds_are_idempotent_by_id_and_never_exceed_what_was_paid()
    {
        var (userId, opened, paid) = await _s.PaidOrderAsync(TestWorld.Unique("m"));
        var order = _s.Order(paid.OrderId);

        var first = (await order.RefundAsync(new("r1", 10_000, "one box"))).Value!;
        Assert.Equal(first, (await order.RefundAsync(new("r1", 10_000, "one box"))).Value);
        Assert.Equal(ErrorCodes.RefundConflict, (await order.RefundAsync(new("r1", 9_999, "one box"))).Error!.Code);
        Assert.Equal(OrderStatus.PartiallyRefunded, (await order.GetAsync()).Value!.Status);

        Assert.Equal(ErrorCodes.RefundExceedsPaid, (await order.RefundAsync(new("r2", 55_001, "too much"))).Error!.Code);
        var second = (await order.RefundAsync(new("r2", 30_000, "more"))).Value!;
        var last = (await order.RefundAsync(new("r3", 25_000, "the rest"))).Value!;

        var view = (await order.GetAsync()).Value!;
        Assert.Equal(OrderStatus.Refunded, view.Status);
        Assert.Equal(paid.Split, view.Refunded);
        Assert.Equal(65_000, first.Split.TotalFen + second.Split.TotalFen + last.Split.TotalFen);
        Assert.Equal(ErrorCodes.OrderNotRefundable, (await order.RefundAsync(new("r4", 1, "nothing left"))).Error!.Code);
        Assert.Equal(opened.PersonalAccountBalanceFen, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
        Assert.Equal(3, view.Refunds.Length);
        Assert.Equal(3, (await TestWorld.Sandbox.RecordsAsync(paid.OrderId)).Count(r => r is { Kind: PlatformRecordKind.Refund, Outcome: PlatformOutcome.Succeeded }));
    }

    [Fact]
    public async Task An_unpaid_order_cannot_be_refunded_and_a_declined_refund_changes_no_balance()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var unpaid = await _s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));
        Assert.Equal(ErrorCodes.OrderNotRefundable, (await _s.Order(unpaid.OrderId).RefundAsync(new("r1", 100, "x"))).Error!.Code);

        var (payer, _, paid) = await _s.PaidOrderAsync(merchant);
        var before = (await _s.Voucher(payer).GetAsync()).Value!;
        await TestWorld.Sandbox.PlatformRefundAsync(paid.OrderId, new(SandboxFault.Decline, Reason: "refund window closed"));
        var refund = (await _s.Order(paid.OrderId).RefundAsync(new("r1", 1_000, "x"))).Value!;
        // The platform's refusal is final for this refund id, and the customer is owed the money: a person settles it.
        Assert.Equal(RefundStatus.ManualReview, refund.Status);
        Assert.Equal(ErrorCodes.RefundDeclined, refund.Failure!.Code);
        Assert.Equal("refund window closed", refund.Failure.Message);
        Assert.Equal(before, (await _s.Voucher(payer).GetAsync()).Value);
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paid.OrderId).GetAsync()).Value!.Status);
    }

    [Fact]
    public async Task A_refund_whose_outcome_stays_unknown_is_driven_until_the_limit_then_held_for_review_and_no_longer_sent()
    {
        var (userId, opened, paid) = await _s.PaidOrderAsync(TestWorld.Unique("m"));
        var order = _s.Order(paid.OrderId);
        await TestWorld.Sandbox.PlatformRefundAsync(paid.OrderId, new SandboxRule(SandboxFault.Timeout));

        var refund = (await order.RefundAsync(new("r1", 10_000, "one box"))).Value!;
        Assert.Equal(RefundStatus.Pending, refund.Status);
        Task<int> SentAsync() => TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Refund, refund.RefundSettlementId);

        // Before the limit the order's reminder keeps driving it (the gateway asks before it sends again), and it stays pending.
        var sentFirst = await SentAsync();
        await Eventually.HoldsAsync(async () => await SentAsync() > sentFirst);
        var pending = (await order.GetAsync()).Value!.Refunds.Single();
        Assert.Equal(RefundStatus.Pending, pending.Status);
        Assert.Null(pending.Failure);

        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(31));
        await Eventually.HoldsAsync(async () => (await order.GetAsync()).Value!.Refunds.Single().Status == RefundStatus.ManualReview);

        var view = (await order.GetAsync()).Value!;
        var held = view.Refunds.Single();
        Assert.Equal(ErrorCodes.RefundUnknown, held.Failure!.Code);
        Assert.Contains("still unknown", held.Failure.Message);
        Assert.Null(held.CompletedAt);
        Assert.Equal(OrderStatus.Settled, view.Status);
        Assert.Contains("r1", view.History[^1].Cause);
        Assert.Contains(held.Failure.Message, view.History[^1].Cause);
        var notice = Assert.Single(view.Notifications, n => n.Type == "order.refund_review");
        Assert.Equal($"{paid.OrderId}:order.refund_review:r1", notice.EventId);

        // Held, it is no longer driven: nothing more reaches the platform over several reminder periods (2 s here).
        var sentHeld = await SentAsync();
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(sentHeld, await SentAsync());
        Assert.Equal(held, (await order.GetAsync()).Value!.Refunds.Single());
        // A repeat of the refund answers it as it is, without sending it again.
        Assert.Equal(held, (await order.RefundAsync(new("r1", 10_000, "one box"))).Value);
        Assert.Equal(sentHeld, await SentAsync());
        // Its amount is still committed: no later refund can go past what was paid; the voucher is credited nothing.
        Assert.Equal(ErrorCodes.RefundExceedsPaid, (await order.RefundAsync(new("r2", 55_001, "the rest and more"))).Error!.Code);
        Assert.Equal(opened.PersonalAccountBalanceFen - paid.Split!.PersonalAccountFen, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }

    [Fact]
    public async Task A_cash_refund_declined_after_the_platform_refunded_is_held_for_review_at_once()
    {
        var (_, _, paid) = await _s.PaidOrderAsync(TestWorld.Unique("m"));
        var order = _s.Order(paid.OrderId);
        await TestWorld.Sandbox.CashRefundAsync(paid.OrderId, new SandboxRule(SandboxFault.Decline, Reason: "the card account is closed"));

        var refund = (await order.RefundAsync(new("r1", 65_000, "returned goods"))).Value!;

        Assert.Equal(RefundStatus.ManualReview, refund.Status);
        Assert.Equal(ErrorCodes.RefundDeclined, refund.Failure!.Code);
        Assert.Equal("the card account is closed", refund.Failure.Message);
        // The insured part is back with the platform (its reference is kept for the person who settles the rest); the cash part is not.
        var atPlatform = (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Refund, refund.RefundSettlementId))!;
        Assert.Equal(PlatformOutcome.Succeeded, atPlatform.Outcome);
        Assert.Equal(atPlatform.Reference, refund.PlatformRefundRef);
        Assert.NotEqual(PlatformOutcome.Succeeded, (await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.CashRefund, refund.RefundSettlementId))?.Outcome);

        var view = (await order.GetAsync()).Value!;
        Assert.Equal(OrderStatus.Settled, view.Status);
        Assert.Equal(refund, view.Refunds.Single());
        Assert.Contains("the card account is closed", view.History[^1].Cause);
        Assert.Contains(view.Notifications, n => n.EventId == $"{paid.OrderId}:order.refund_review:r1");
        // The whole payment is committed to this refund: nothing more can be refunded, and nothing is sent again.
        Assert.Equal(ErrorCodes.RefundExceedsPaid, (await order.RefundAsync(new("r2", 1, "one fen"))).Error!.Code);
        var cashSent = await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.CashRefund, refund.RefundSettlementId);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(cashSent, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.CashRefund, refund.RefundSettlementId));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class CancellationTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task A_cancelled_order_cannot_be_paid_and_a_paid_one_cannot_be_cancelled()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, _) = await _s.OpenVoucherAsync(20);
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));

        var cancelled = (await _s.Order(order.OrderId).CancelAsync("customer changed their mind")).Value!;
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        var again = (await _s.Order(order.OrderId).CancelAsync("again")).Value!;
        Assert.Equal(OrderStatus.Cancelled, again.Status);
        Assert.Equal(cancelled.History.ToList(), again.History.ToList());
        Assert.Equal(ErrorCodes.OrderCancelled, (await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Error!.Code);

        var (_, _, paid) = await _s.PaidOrderAsync(merchant);
        Assert.Equal(ErrorCodes.OrderNotCancellable, (await _s.Order(paid.OrderId).CancelAsync("too late")).Error!.Code);
    }

    [Fact]
    public async Task An_unpaid_order_whose_payment_was_interrupted_after_the_reservation_is_paid_not_expired()
    {
        var merchant = TestWorld.Unique("m");
        var (userId, opened) = await _s.OpenVoucherAsync(20);
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(1_000));
        // As if a payment had reserved and then died before anything else: it may have reached the platform, so it is
        // finished (asking the platform first), never given back blindly, and the order does not expire.
        var code = await _s.AuthorizeAsync(userId, merchant);
        var reserved = (await _s.Voucher(userId).ReserveAsync(new(order.OrderId, merchant, order.MerchantOrderNo, code, order.OrderId + "~1", order.Items, null))).Value!;

        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(31));
        await Eventually.HoldsAsync(async () => (await _s.Voucher(userId).GetAsync()).Value!.ReservedFen == 0);

        var view = (await _s.Order(order.OrderId).GetAsync()).Value!;
        Assert.Equal(OrderStatus.Settled, view.Status);
        Assert.Equal(reserved.Split, view.Split);
        Assert.Equal(1, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, view.SettlementId!));
        Assert.Equal(opened.PersonalAccountBalanceFen - reserved.Split.PersonalAccountFen, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
        Assert.Equal(OrderStatus.Settled, (await _s.Order(order.OrderId).PayAsync(new(code, null))).Value!.Status);
    }
}
