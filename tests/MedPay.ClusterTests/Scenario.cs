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

    public IMedicalOrderGrain Order(string orderId) => grains.GetGrain<IMedicalOrderGrain>(orderId);

    /// <summary>Opens a voucher whose sandbox balance is <paramref name="sequence"/> × 1,000 fen (employees).</summary>
    public async Task<(string UserId, VoucherView Voucher)> OpenVoucherAsync(int sequence = 500, string region = "330100", InsuranceType type = InsuranceType.Employee)
    {
        var userId = TestWorld.Unique("u");
        var opened = await Voucher(userId).OpenAsync(new("张三", TestWorld.NationalIdWithSequence(sequence), region, type));
        Assert.True(opened.IsOk, opened.Error?.ToString());
        return (userId, opened.Value!.Voucher);
    }

    public async Task<string> AuthorizeAsync(string userId, string merchantId, long maxAmountFen = 10_000_000, string? merchantOrderNo = null, int validForMinutes = 15)
    {
        var grant = await Voucher(userId).AuthorizeAsync(new(merchantId, maxAmountFen, merchantOrderNo, validForMinutes));
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
        int sequence, string region, Action<string>? beforePaying, long? maxCashFen, params OrderItem[] items)
    {
        var (userId, _) = await OpenVoucherAsync(sequence, region);
        var merchantId = TestWorld.Unique("m");
        var order = await CreateOrderAsync(userId, merchantId, items);
        var code = await AuthorizeAsync(userId, merchantId);
        beforePaying?.Invoke(order.OrderId);
        var payment = await Order(order.OrderId).PayAsync(new(code, maxCashFen));
        return (userId, order, payment);
    }

    public static ImmutableArray<OrderItem> Items(params OrderItem[] items) => [.. items];
}
