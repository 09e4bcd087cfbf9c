using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace MedPay.Grains;

/// <summary>
/// Reads across the order indexes: listings, the merchant's daily statement and the operators' daily check against the
/// platform's statement. A stateless worker holding no state, so reads scale out and never queue behind the index shards'
/// writes longer than one read.
/// </summary>
[StatelessWorker]
public sealed class OrderQueryGrain(IInsurancePlatform platform, IOptions<PaymentGatewayOptions> gatewayOptions, ILogger<OrderQueryGrain> logger) : Grain, IOrderQueryGrain
{
    /// <summary>How many orders a statement reads at once: enough to be quick, few enough not to flood the silo.</summary>
    private const int ReconcileParallelism = 16;

    /// <summary>How many merchants' statements the operators' daily check builds at once.</summary>
    private const int MerchantParallelism = 4;

    /// <summary>How many orders a listing reads at once for their live lines.</summary>
    private const int ListingParallelism = 16;

    public async Task<OrderPage> ListForUserAsync(string userId, OrderStatus? status, string? pageToken, int pageSize)
    {
        // Decode first: a bad token fails before any grain is read.
        ValidateToken(pageToken);
        var lines = await GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.User(userId)).ListAsync();
        return await OrderPaging.PageAsync(lines, status, pageToken, pageSize, LiveAsync);
    }

    public async Task<OrderPage> ListForMerchantAsync(string merchantId, DateOnly day, OrderStatus? status, string? pageToken, int pageSize)
    {
        ValidateToken(pageToken);
        return await OrderPaging.PageAsync(await MerchantDayAsync(merchantId, day), status, pageToken, pageSize, LiveAsync);
    }

    /// <summary>
    /// Each listed order's line as the order holds it now (the indexes keep only what is fixed at creation), read at most
    /// <see cref="ListingParallelism"/> at once. An order that does not exist answers null and is shown with its index
    /// line, as the statement lists it as unreadable rather than dropping it; a failed read fails the listing (to be
    /// repeated), never answers a status that may be stale.
    /// </summary>
    private async Task<IReadOnlyList<OrderSummary?>> LiveAsync(IReadOnlyList<OrderSummary> lines) =>
        await ForEachAsync(lines, ListingParallelism, line => GrainFactory.GetGrain<IMedicalOrderGrain>(line.OrderId).GetSummaryAsync());

    public async Task<Reconciliation> ReconcileAsync(string merchantId, DateOnly day) =>
        await ReconcileWithAsync(merchantId, day, await ReadPlatformAsync(day));

    public async Task<PlatformDayReconciliation> ReconcilePlatformDayAsync(DateOnly day)
    {
        var read = await ReadPlatformAsync(day);
        var registered = await GrainFactory.GetGrain<IMerchantRegistryGrain>(0).ListAsync();
        // Every registered merchant, and any merchant the platform's lines of the day name (registered or not).
        List<string> merchants =
        [
            .. registered.Concat(read.Statements is { } s ? PlatformReconciliation.MerchantsOf(s.Day) : [])
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
        ];
        var statements = await ForEachAsync(merchants, MerchantParallelism, merchantId => ReconcileWithAsync(merchantId, day, read));
        var checks = statements.Select(s => s.Platform!).ToList();
        var check = new PlatformCheck(
            read.Unavailable,
            checks.Aggregate(StatementTotals.Zero, (t, c) => t.Add(c.MedPaySettled)),
            read.Statements is null ? null : checks.Aggregate(StatementTotals.Zero, (t, c) => t.Add(c.PlatformSettled ?? StatementTotals.Zero)),
            checks.Aggregate(StatementTotals.Zero, (t, c) => t.Add(c.MedPayRefunded)),
            read.Statements is null ? null : checks.Aggregate(StatementTotals.Zero, (t, c) => t.Add(c.PlatformRefunded ?? StatementTotals.Zero)));
        var stated = read.Statements?.Day;
        return new PlatformDayReconciliation(
            day,
            merchants.Count,
            check,
            stated is null ? null : new StatementTotals(stated.Settled.Count, stated.Settled.FundFen, stated.Settled.PersonalAccountFen),
            stated is null ? null : new StatementTotals(stated.Refunded.Count, stated.Refunded.FundFen, stated.Refunded.PersonalAccountFen),
            [.. statements.SelectMany(s => s.Mismatches)]);
    }

    private async Task<Reconciliation> ReconcileWithAsync(string merchantId, DateOnly day, PlatformRead platformRead)
    {
        var lines = await MerchantDayAsync(merchantId, day);
        var reads = await ForEachAsync([.. lines.Select(l => l.OrderId)], ReconcileParallelism, ReadOrderAsync);
        List<ReconciliationInput> listed = [.. reads.Where(r => r.Input is not null).Select(r => r.Input!)];
        var comparison = platformRead.Statements is { } statements
            ? await LookUpAsync(merchantId, listed, statements)
            : PlatformComparison.NotAvailable(platformRead.Unavailable!);
        return ReconciliationBuilder.Build(merchantId, day, listed, reads.Where(r => r.Input is null).Select(r => r.OrderId), comparison);
    }

    /// <summary>What MedPay holds for the platform's lines of the merchant that no order of the day's listing claims.</summary>
    private async Task<PlatformComparison> LookUpAsync(string merchantId, IReadOnlyList<ReconciliationInput> listed, PlatformStatements statements)
    {
        var lines = PlatformReconciliation.ToLookUp(merchantId, listed.Select(i => i.Order), statements);
        var reads = await ForEachAsync([.. lines.Select(l => l.OrderId).Distinct(StringComparer.Ordinal)], ReconcileParallelism, ReadOrderAsync);
        var orders = reads.Where(r => r.Input is not null).ToDictionary(r => r.OrderId, r => r.Input!, StringComparer.Ordinal);
        // A line whose order does not exist: the gateway's record of its id says whether MedPay ever sent it.
        var orphans = lines.Where(l => !orders.ContainsKey(l.OrderId)).ToList();
        var settlements = await ForEachAsync([.. orphans.Where(l => !l.IsRefund)], ReconcileParallelism,
            async line => (line.Id, Record: await GrainFactory.GetGrain<IPaymentGatewayGrain>(line.Id).GetAsync()));
        var refunds = await ForEachAsync([.. orphans.Where(l => l.IsRefund)], ReconcileParallelism,
            async line => (line.Id, Record: await GrainFactory.GetGrain<IPaymentGatewayGrain>(line.Id).GetRefundAsync()));
        return PlatformComparison.Of(
            statements,
            orders,
            settlements.Where(s => s.Record is not null).ToDictionary(s => s.Id, s => s.Record!, StringComparer.Ordinal),
            refunds.Where(r => r.Record is not null).ToDictionary(r => r.Id, r => r.Record!, StringComparer.Ordinal));
    }

    /// <summary>The platform's statements of the day and the days either side (3201/3202), or why they could not be read.</summary>
    private async Task<PlatformRead> ReadPlatformAsync(DateOnly day)
    {
        using var timeout = new CancellationTokenSource(gatewayOptions.Value.StatementTimeout);
        try
        {
            var days = await Task.WhenAll(new[] { day.AddDays(-1), day, day.AddDays(1) }.Select(d => platform.GetStatementAsync(d, timeout.Token)));
            return new(new PlatformStatements(days[0], days[1], days[2]), null);
        }
        catch (Exception e)
        {
            await timeout.CancelAsync();
            logger.LogWarning(e, "The platform's statement of {Day} could not be read; the statement is answered without the platform check", day);
            return new(null, e switch
            {
                TimeoutException or OperationCanceledException => "the insurance platform did not answer in time",
                HttpRequestException => "the insurance platform could not be reached",
                _ => "the insurance platform's statement could not be read",
            });
        }
    }

    private sealed record PlatformRead(PlatformStatements? Statements, string? Unavailable);

    /// <summary>Every line of the merchant's day: all shards, read in parallel, one line per order.</summary>
    private async Task<IReadOnlyList<OrderSummary>> MerchantDayAsync(string merchantId, DateOnly day)
    {
        var shards = await Task.WhenAll(Enumerable.Range(0, OrderIndexKeys.MerchantShards)
            .Select(shard => GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.MerchantDay(merchantId, day, shard)).ListAsync()));
        return [.. OrderPaging.Latest(shards.SelectMany(s => s))];
    }

    /// <summary>The order's full view and the gateway's records of its settlement and refunds; no input when the order cannot be read.</summary>
    private async Task<(string OrderId, ReconciliationInput? Input)> ReadOrderAsync(string orderId)
    {
        var view = await GrainFactory.GetGrain<IMedicalOrderGrain>(orderId).GetAsync();
        if (view is not { IsOk: true, Value: { } order })
        {
            return (orderId, null);
        }

        // An order that never recorded a settlement id is still checked at the id it would have used: money taken for an
        // order that says it was never paid is exactly what a statement must find.
        var settlementId = order.SettlementId ?? MedicalOrderGrain.SettlementIdFor(order.OrderId);
        var settlement = SettlementRecordAsync(order.OrderId, settlementId);
        var refunds = (order.Refunds.IsDefault ? [] : order.Refunds)
            .Select(async refund => (refund, await GrainFactory.GetGrain<IPaymentGatewayGrain>(refund.RefundSettlementId).GetRefundAsync()))
            .ToList();
        return (order.OrderId, new ReconciliationInput(order, await settlement, await Task.WhenAll(refunds)));
    }

    /// <summary>The order's settlement record: its own, or for an order paid before orders kept it, the payment-gateway grain's.</summary>
    private async Task<SettlementRecord?> SettlementRecordAsync(string orderId, string settlementId) =>
        await GrainFactory.GetGrain<IMedicalOrderGrain>(orderId).GetSettlementAsync()
        ?? await GrainFactory.GetGrain<IPaymentGatewayGrain>(settlementId).GetAsync();

    /// <summary>Runs <paramref name="read"/> over every item, at most <paramref name="parallelism"/> at once, on this activation's scheduler.</summary>
    private static async Task<TResult[]> ForEachAsync<TItem, TResult>(IReadOnlyList<TItem> items, int parallelism, Func<TItem, Task<TResult>> read)
    {
        using var gate = new SemaphoreSlim(parallelism);
        return await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                return await read(item);
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
