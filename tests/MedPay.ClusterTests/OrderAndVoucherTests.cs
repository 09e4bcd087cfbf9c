using MedPay.Contracts;

namespace MedPay.ClusterTests;

[Collection(ClusterCollection.Name)]
public sealed class OrderAndVoucherTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task Opening_a_voucher_masks_the_national_id_and_takes_the_platform_balance()
    {
        var userId = TestWorld.Unique("u");
        var nationalId = TestWorld.NationalIdWithSequence(123);
        var opened = (await _s.Voucher(userId).OpenAsync(new("李四", nationalId, "330100", InsuranceType.Employee))).Value!;

        Assert.True(opened.Opened);
        Assert.Equal(nationalId[..1] + new string('*', 16) + nationalId[^1..], opened.Voucher.NationalIdMasked);
        Assert.Equal("李*", opened.Voucher.FullNameMasked);
        Assert.Equal(123_000, opened.Voucher.PersonalAccountBalanceFen);
        Assert.Equal(VoucherStatus.Active, opened.Voucher.Status);
        Assert.StartsWith("EV330100", opened.Voucher.VoucherNo);

        var repeat = (await _s.Voucher(userId).OpenAsync(new("李四", nationalId.ToLowerInvariant(), "330100", InsuranceType.Employee))).Value!;
        Assert.False(repeat.Opened);
        Assert.Equal(opened.Voucher, repeat.Voucher);

        // Another person verified on this account is refused (the account's voucher is someone else's), and binds nobody:
        // that person still opens their own on their own account.
        var otherId = TestWorld.NationalIdWithSequence(124);
        Assert.Equal(ErrorCodes.IdentityMismatch, (await _s.Voucher(userId).OpenAsync(new("李四", otherId, "330100", InsuranceType.Employee))).Error!.Code);
        Assert.Equal(opened.Voucher, (await _s.Voucher(userId).GetAsync()).Value);
        Assert.True((await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("李四", otherId, null, null))).Value!.Opened);
    }

    [Theory]
    [InlineData("11010519491231002Y", "330100", ErrorCodes.InvalidNationalId)]
    [InlineData("110105194912310021", "330100", ErrorCodes.InvalidNationalId)]
    [InlineData("11010519491231002X", "33010", ErrorCodes.InvalidRegion)]
    [InlineData("11010519491231002X", "110100", ErrorCodes.UnknownRegion)] // Beijing: the platform's region, no policy configured
    [InlineData("11010519491231002X", null, ErrorCodes.UnknownRegion)]
    [InlineData("11010519491231002X", "330100", ErrorCodes.InsuranceRecordMismatch)]
    public async Task Opening_with_bad_identity_is_refused_and_opens_nothing(string nationalId, string? region, string code)
    {
        var userId = TestWorld.Unique("u");
        Assert.Equal(code, (await _s.Voucher(userId).OpenAsync(new("王五", nationalId, region, InsuranceType.Employee))).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(userId).GetAsync()).Error!.Code);
    }

    [Fact]
    public async Task Residents_have_no_personal_account_and_pay_the_rest_in_cash()
    {
        var (userId, voucher) = await _s.OpenVoucherAsync(500, "330100", InsuranceType.Resident);
        Assert.Equal(0, voucher.PersonalAccountBalanceFen);
        var merchant = TestWorld.Unique("m");
        var order = await _s.CreateOrderAsync(userId, merchant, Scenario.A(100_000));
        var paid = (await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(userId, merchant), null))).Value!;
        // Deductible 30,000, then 60% of 70,000 = 42,000 from the fund; the rest in cash.
        Assert.Equal(new Split(42_000, 0, 58_000), paid.Split);
    }

    [Fact]
    public async Task Creating_an_order_twice_returns_it_and_other_content_conflicts()
    {
        var (userId, _) = await _s.OpenVoucherAsync();
        var merchant = TestWorld.Unique("m");
        var no = TestWorld.Unique("no");
        var order = _s.Order(OrderIds.For(merchant, no));
        var command = new CreateOrderCommand(merchant, no, userId, Scenario.Items(Scenario.A(100, 3), Scenario.C(50)));

        var first = (await order.CreateAsync(command)).Value!;
        var second = (await order.CreateAsync(command with { Items = Scenario.Items(Scenario.A(100, 3), Scenario.C(50)) })).Value!;
        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(350, second.Order.TotalFen);
        Assert.Equal(first.Order.CreatedAt, second.Order.CreatedAt);

        Assert.Equal(ErrorCodes.OrderConflict, (await order.CreateAsync(command with { Items = Scenario.Items(Scenario.A(101, 3)) })).Error!.Code);
    }

    [Fact]
    public async Task Orders_for_unknown_users_and_bad_items_are_refused_and_create_nothing()
    {
        var (userId, _) = await _s.OpenVoucherAsync();
        var merchant = TestWorld.Unique("m");
        async Task<string> Create(string user, params OrderItem[] items)
        {
            var no = TestWorld.Unique("no");
            var order = _s.Order(OrderIds.For(merchant, no));
            var result = await order.CreateAsync(new(merchant, no, user, [.. items]));
            Assert.Equal(ErrorCodes.OrderNotFound, (await order.GetAsync()).Error!.Code);
            return result.Error!.Code;
        }

        Assert.Equal(ErrorCodes.VoucherNotFound, await Create("nobody-" + Guid.NewGuid().ToString("N"), Scenario.A(100)));
        Assert.Equal(ErrorCodes.EmptyItems, await Create(userId));
        Assert.Equal(ErrorCodes.InvalidPrice, await Create(userId, Scenario.A(-1)));
        Assert.Equal(ErrorCodes.InvalidQuantity, await Create(userId, Scenario.A(100, 0)));
        Assert.Equal(ErrorCodes.AmountOverflow, await Create(userId, Scenario.A(long.MaxValue / 2, 3)));
        Assert.Equal(ErrorCodes.UnknownCategory, await Create(userId, new OrderItem("X", "x", (ItemCategory)9, 100, 1)));
    }
}
