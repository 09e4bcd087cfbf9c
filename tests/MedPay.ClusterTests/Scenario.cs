using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.ClusterTests;

/// <summary>The steps of a payment, as a medical service application would take them.</summary>
public sealed class Scenario(IGrainFactory grains)
{
    public static OrderItem A(long unitPriceFen, int quantity = 1) => new("A-" + unitPriceFen, "covered drug", ItemCategory.A, unitPriceFen, quantity);

    public static OrderItem B(long unitPriceFen, int quantity = 1) => new("B-" + unitPriceFen, "co-paid drug", ItemCategory.B, unitPriceFen, quantity);

    public static OrderItem C(long unitPriceFen, int quantity = 1) => new("C-" + unitPriceFen, "self-paid item", ItemCategory.C, unitPriceFen, quantity);

    public IEVoucherGrain Voucher(string userId) => grains.GetGrain<IEVoucherGrain>(userId);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Holders = new();

    /// <summary>The national ID of the person whose voucher <see cref="OpenVoucherAsync"/> opened for the user: the person who consents.</summary>
    public static string HolderOf(string userId) => Holders.TryGetValue(userId, out var nationalId) ? nationalId : throw new InvalidOperationException($"No voucher was opened for {userId} here.");

    /// <summary>Remembers who holds a voucher the test opened itself.</summary>
    public static void RememberHolder(string userId, string nationalId) => Holders[userId] = nationalId;

    public IMedicalOrderGrain Order(string orderId) => grains.GetGrain<IMedicalOrderGrain>(orderId);

    public IMerchantGrain Merchant(string merchantId) => grains.GetGrain<IMerchantGrain>(merchantId);

    public IOrderQueryGrain Query => grains.GetGrain<IOrderQueryGrain>(0);

    /// <summary>Registers a merchant (optionally with a callback address) and returns its id and credentials.</summary>
    public async Task<(string MerchantId, MerchantCredentials Credentials)> RegisterMerchantAsync(string? callbackUrl = null)
    {
        var merchantId = TestWorld.Unique("m");
        var registered = await Merchant(merchantId).RegisterAsync(new("Test Pharmacy", "H33010012345", callbackUrl));
        Assert.True(registered.IsOk, registered.Error?.ToString());
        return (merchantId, registered.Value!);
    }

    /// <summary>Registers a merchant whose callback address is the listener, and gives the listener its webhook secret.</summary>
    public async Task<string> RegisterMerchantOfAsync(CallbackListener listener)
    {
        var (merchantId, credentials) = await RegisterMerchantAsync(listener.Url.ToString());
        listener.Secret = credentials.WebhookSecret;
        return merchantId;
    }

    /// <summary>A paid order of <paramref name="merchantId"/>: balance 20,000 fen, A 10,000 + C 15,000, so all three buckets pay.</summary>
    public async Task<(string UserId, VoucherView Opened, PaymentResult Paid)> PaidOrderAsync(string merchantId)
    {
        var (userId, opened) = await OpenVoucherAsync(20);
        var order = await CreateOrderAsync(userId, merchantId, A(50_000), C(15_000));
        var paid = (await Order(order.OrderId).PayAsync(new(await AuthorizeAsync(userId, merchantId), null))).Value!;
        Assert.Equal(OrderStatus.Settled, paid.Status);
        return (userId, opened, paid);
    }

    /// <summary>Opens a voucher whose sandbox balance is <paramref name="sequence"/> × 1,000 fen (employees).</summary>
    public async Task<(string UserId, VoucherView Voucher)> OpenVoucherAsync(int sequence = 500, string region = "330100", InsuranceType type = InsuranceType.Employee)
    {
        var userId = TestWorld.Unique("u");
        // The platform decides who the person is: an ID of a district of the region, scripted as a resident when asked.
        var nationalId = TestWorld.NationalIdWithSequence(sequence, region[..4] + "06");
        if (type != InsuranceType.Employee)
        {
            await TestWorld.Sandbox.PersonAsync(nationalId, new(type));
        }

        var opened = await Voucher(userId).OpenAsync(new("张三", nationalId, region, type));
        Assert.True(opened.IsOk, opened.Error?.ToString());
        RememberHolder(userId, nationalId);
        return (userId, opened.Value!.Voucher);
    }

    public async Task<string> AuthorizeAsync(string userId, string merchantId, long maxAmountFen = 10_000_000, string? merchantOrderNo = null, int validForMinutes = 15)
    {
        var grant = await Voucher(userId).AuthorizeAsync(new(merchantId, maxAmountFen, merchantOrderNo, validForMinutes, HolderOf(userId)));
        Assert.True(grant.IsOk, grant.Error?.ToString());
        return grant.Value!.AuthCode;
    }

    public async Task<OrderView> CreateOrderAsync(string userId, string merchantId, params OrderItem[] items)
    {
        var orderNo = TestWorld.Unique("no");
        var created = await Order(OrderIds.For(merchantId, orderNo)).CreateAsync(new(merchantId, orderNo, userId, [.. items]));
        Assert.True(created.IsOk, created.Error?.ToString());
        return created.Value!.Order;
    }

    /// <summary>Opens a voucher, creates an order with the items, authorizes and pays it.</summary>
    public async Task<(string UserId, OrderView Order, Result<PaymentResult> Payment)> PayNewOrderAsync(
        int sequence, string region, Func<string, Task>? beforePaying, long? maxCashFen, params OrderItem[] items)
    {
        var (userId, _) = await OpenVoucherAsync(sequence, region);
        var merchantId = TestWorld.Unique("m");
        var order = await CreateOrderAsync(userId, merchantId, items);
        var code = await AuthorizeAsync(userId, merchantId);
        if (beforePaying is not null)
        {
            await beforePaying(order.OrderId);
        }

        var payment = await Order(order.OrderId).PayAsync(new(code, maxCashFen));
        return (userId, order, payment);
    }

    public static ImmutableArray<OrderItem> Items(params OrderItem[] items) => [.. items];
}
