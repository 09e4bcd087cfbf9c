using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using Orleans.Concurrency;

namespace MedPay.Grains;

/// <summary>
/// Reads across the order indexes: listings and the merchant's daily statement. A stateless worker holding no state, so
/// reads scale out and never queue behind the index shards' writes longer than one read.
/// </summary>
[StatelessWorker]
public sealed class OrderQueryGrain : Grain, IOrderQueryGrain
{
    /// <summary>How many orders a statement reads at once: enough to be quick, few enough not to flood the silo.</summary>
    private const int ReconcileParallelism = 16;

    public async Task<OrderPage> ListForUserAsync(string userId, OrderStatus? status, string? pageToken, int pageSize)
    {
        // Decode first: a bad token fails before any grain is read.
        ValidateToken(pageToken);
        var lines = await GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.User(userId)).ListAsync();
        return OrderPaging.Page(lines, status, pageToken, pageSize);
    }

    public async Task<OrderPage> ListForMerchantAsync(string merchantId, DateOnly day, OrderStatus? status, string? pageToken, int pageSize)
    {
        ValidateToken(pageToken);
        return OrderPaging.Page(await MerchantDayAsync(merchantId, day), status, pageToken, pageSize);
    }

    public async Task<Reconciliation> ReconcileAsync(string merchantId, DateOnly day)
    {
        var lines = await MerchantDayAsync(merchantId, day);
        var reads = await ReadAllAsync(lines, ReadOrderAsync);
        return ReconciliationBuilder.Build(
            merchantId,
            day,
            reads.Where(r => r.Input is not null).Select(r => r.Input!),
            reads.Where(r => r.Input is null).Select(r => r.OrderId));
    }

    /// <summary>Every line of the merchant's day: all shards, read in parallel, one line per order.</summary>
    private async Task<IReadOnlyList<OrderSummary>> MerchantDayAsync(string merchantId, DateOnly day)
    {
        var shards = await Task.WhenAll(Enumerable.Range(0, OrderIndexKeys.MerchantShards)
            .Select(shard => GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.MerchantDay(merchantId, day, shard)).ListAsync()));
        return [.. OrderPaging.Latest(shards.SelectMany(s => s))];
    }

    /// <summary>The order's full view and the gateway's records of its settlement and refunds; no input when the order cannot be read.</summary>
    private async Task<(string OrderId, ReconciliationInput? Input)> ReadOrderAsync(OrderSummary line)
    {
        var view = await GrainFactory.GetGrain<IMedicalOrderGrain>(line.OrderId).GetAsync();
        if (view is not { IsOk: true, Value: { } order })
        {
            return (line.OrderId, null);
        }

        // An order that never recorded a settlement id is still checked at the id it would have used: money taken for an
        // order that says it was never paid is exactly what a statement must find.
        var settlementId = order.SettlementId ?? MedicalOrderGrain.SettlementIdFor(order.OrderId);
        var settlement = GrainFactory.GetGrain<IPaymentGatewayGrain>(settlementId).GetAsync();
        var refunds = (order.Refunds.IsDefault ? [] : order.Refunds)
            .Select(async refund => (refund, await GrainFactory.GetGrain<IPaymentGatewayGrain>(refund.RefundSettlementId).GetRefundAsync()))
            .ToList();
        return (order.OrderId, new ReconciliationInput(order, await settlement, await Task.WhenAll(refunds)));
    }

    /// <summary>Runs <paramref name="read"/> over every line, at most <see cref="ReconcileParallelism"/> at once, on this activation's scheduler.</summary>
    private static async Task<TResult[]> ReadAllAsync<TResult>(IReadOnlyList<OrderSummary> lines, Func<OrderSummary, Task<TResult>> read)
    {
        using var gate = new SemaphoreSlim(ReconcileParallelism);
        return await Task.WhenAll(lines.Select(async line =>
        {
            await gate.WaitAsync();
            try
            {
                return await read(line);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static void ValidateToken(string? pageToken)
    {
        if (!string.IsNullOrEmpty(pageToken))
        {
            _ = OrderPaging.DecodeToken(pageToken);
        }
    }
}
