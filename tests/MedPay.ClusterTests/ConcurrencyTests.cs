using MedPay.Contracts;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class ConcurrencyTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task Concurrent_payments_against_one_voucher_never_overdraw_it()
    {
        // 30,000 fen in the personal account; 24 orders of 4,000 fen of category C (all self-pay).
        var (userId, opened) = await _s.OpenVoucherAsync(30);
        var merchant = TestWorld.Unique("m");
        var orders = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => _s.CreateOrderAsync(userId, merchant, Scenario.C(4_000))));
        var codes = await Task.WhenAll(orders.Select(_ => _s.AuthorizeAsync(userId, merchant)));

        var payments = await Task.WhenAll(orders.Select((o, i) => _s.Order(o.OrderId).PayAsync(new(codes[i], null))));

        Assert.All(payments, p => Assert.Equal(OrderStatus.Settled, p.Value!.Status));
        var personal = payments.Sum(p => p.Value!.Split!.PersonalAccountFen);
        Assert.Equal(opened.PersonalAccountBalanceFen, personal);
        Assert.All(payments, p => Assert.Equal(4_000, p.Value!.Split!.TotalFen));
        var voucher = (await _s.Voucher(userId).GetAsync()).Value!;
        Assert.Equal(0, voucher.PersonalAccountBalanceFen);
        Assert.Equal(0, voucher.ReservedFen);
    }

    [Fact]
    public async Task Concurrent_payments_without_cash_settle_exactly_as_many_as_the_balance_allows()
    {
        var (userId, opened) = await _s.OpenVoucherAsync(20);
        var merchant = TestWorld.Unique("m");
        var orders = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _s.CreateOrderAsync(userId, merchant, Scenario.C(3_000))));
        var codes = await Task.WhenAll(orders.Select(_ => _s.AuthorizeAsync(userId, merchant)));

        var payments = await Task.WhenAll(orders.Select((o, i) => _s.Order(o.OrderId).PayAsync(new(codes[i], MaxCashFen: 0))));

        Assert.Equal(6, payments.Count(p => p.Value!.Status == OrderStatus.Settled));
        Assert.Equal(6, payments.Count(p => p.Value!.Failure?.Code == ErrorCodes.InsufficientBalance));
        Assert.Equal(opened.PersonalAccountBalanceFen - 18_000, (await _s.Voucher(userId).GetAsync()).Value!.PersonalAccountBalanceFen);
    }
}
