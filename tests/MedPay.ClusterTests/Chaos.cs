using System.Collections.Concurrent;
using System.Diagnostics;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;
using MedPay.Testing;

namespace MedPay.ClusterTests;

public sealed record ChaosSettings(int Vouchers, int Orders, int Concurrency, int SiloKills, short Silos, int Seed, int SandboxKills = 1, int RefundPercent = 30)
{
    /// <summary>Each setting may be overridden by an environment variable, e.g. MEDPAY_CHAOS_ORDERS=5000.</summary>
    public ChaosSettings FromEnvironment() => this with
    {
        Vouchers = Env("MEDPAY_CHAOS_VOUCHERS", Vouchers),
        Orders = Env("MEDPAY_CHAOS_ORDERS", Orders),
        Concurrency = Env("MEDPAY_CHAOS_CONCURRENCY", Concurrency),
        SiloKills = Env("MEDPAY_CHAOS_KILLS", SiloKills),
        SandboxKills = Env("MEDPAY_CHAOS_SANDBOX_KILLS", SandboxKills),
        RefundPercent = Env("MEDPAY_CHAOS_REFUND_PERCENT", RefundPercent),
        Seed = Env("MEDPAY_CHAOS_SEED", Seed),
    };

    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}

/// <summary>
/// A bank-test style checker (after Jepsen's): many concurrent payments with repeated requests and scripted platform
/// faults on a multi-silo cluster whose silos are killed and replaced during the run, and whose sandbox platform process
/// is killed and restarted too; then refunds of settled orders under the same faults; then a restart of the whole
/// cluster; then every invariant is checked against the platform's own durable records and the grains' state.
/// </summary>
public sealed class ChaosRun(ChaosSettings settings, Action<string> log)
{
    private readonly Random _random = new(settings.Seed);
    private readonly ConcurrentDictionary<string, PaymentResult> _acknowledged = new();
    private readonly ConcurrentDictionary<string, string> _faults = new();
    private readonly List<Func<Task>> _scripts = [];
    private readonly ConcurrentDictionary<string, RefundView> _refunds = new();
    private SandboxProcess _sandbox = null!;
    private readonly List<string> _violations = [];
    private int _requests;
    private int _retriesAfterErrors;
    private int _checks;

    public IReadOnlyList<string> Violations => _violations;

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        // A sandbox of its own: it is killed during the run, which other tests must not see.
        await using var sandbox = _sandbox = await SandboxProcess.StartAsync(TestWorld.StorageConnectionString);
        var first = await MedPayCluster.StartAsync(silos: settings.Silos, azureClustering: true, tls: true, sandbox: sandbox);
        var s = new Scenario(first.Grains);
        List<(string UserId, long Opening)> vouchers;
        List<OrderPlan> plans;
        int killed;
        await using (first)
        {
            // Opened as users would, a few at a time: each asks the platform who the person is over signed HTTP.
            var opening = new SemaphoreSlim(settings.Concurrency);
            vouchers = [.. await Task.WhenAll(Enumerable.Range(0, settings.Vouchers).Select(async i =>
            {
                await opening.WaitAsync();
                try
                {
                    var (userId, view) = await Retry(() => s.OpenVoucherAsync(1 + i % 60, i % 3 == 0 ? "310100" : "330100"));
                    return (userId, view.PersonalAccountBalanceFen);
                }
                finally
                {
                    opening.Release();
                }
            }))];
            plans = [.. Enumerable.Range(0, settings.Orders).Select(_ => Plan(vouchers[_random.Next(vouchers.Count)].UserId))];
            foreach (var script in _scripts)
            {
                await script();
            }

            log($"chaos: {settings.Silos} silos, {vouchers.Count} vouchers, {plans.Count} orders, concurrency {settings.Concurrency}, seed {settings.Seed}");

            using var stop = new CancellationTokenSource();
            var monkey = KillSilosAsync(first, stop.Token);
            var sandboxMonkey = KillSandboxAsync(stop.Token);
            var gate = new SemaphoreSlim(settings.Concurrency);
            await Task.WhenAll(plans.Select(async plan =>
            {
                await gate.WaitAsync();
                try
                {
                    await DriveAsync(s, plan);
                }
                finally
                {
                    gate.Release();
                }
            }));
            log($"chaos: payments driven in {clock.Elapsed.TotalSeconds:F1} s; {_requests} payment requests ({_retriesAfterErrors} after errors)");

            // Refunds of settled orders, while silos and the sandbox keep dying.
            var settledOrders = _acknowledged.Where(a => a.Value.Status == OrderStatus.Settled).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
            var refunds = settledOrders.Where(_ => _random.Next(100) < settings.RefundPercent).ToList();
            var refundPlans = refunds.Select(id => (OrderId: id, Full: _random.Next(2) == 0, Repeats: 1 + _random.Next(3))).ToList();
            await Task.WhenAll(refundPlans.Select(async plan =>
            {
                await gate.WaitAsync();
                try
                {
                    await RefundAsync(s, plan.OrderId, plan.Full, plan.Repeats);
                }
                finally
                {
                    gate.Release();
                }
            }));
            stop.Cancel();
            killed = await monkey;
            var sandboxKilled = await sandboxMonkey;
            log($"chaos: {refundPlans.Count} orders refunded by {clock.Elapsed.TotalSeconds:F1} s; {killed} silos and {sandboxKilled} sandbox processes killed");

            // Orphaned reservations are found by the vouchers' reminders; wait for the cluster to be quiet.
            await Eventually.HoldsAsync(async () => (await Task.WhenAll(vouchers.Select(v => s.Voucher(v.UserId).GetAsync()))).All(v => v.Value!.ReservedFen == 0), seconds: 120);
        }

        log("chaos: whole cluster stopped; restarting it on the same storage");
        await using var second = await MedPayCluster.StartAsync(silos: settings.Silos, serviceId: first.ServiceId, tableName: first.TableName, azureClustering: true, tls: true, sandbox: sandbox);
        await CheckAsync(new Scenario(second.Grains), vouchers, plans);
        await CheckMerchantStatementsAsync(second.Grains, plans);
        log($"chaos: {_checks} checks, {_violations.Count} violations, {clock.Elapsed.TotalSeconds:F1} s in all");
        foreach (var violation in _violations.Take(50))
        {
            log("VIOLATION: " + violation);
        }
    }

    private sealed record OrderPlan(string UserId, string MerchantId, string MerchantOrderNo, OrderItem[] Items, long? MaxCashFen, int Repeats)
    {
        public string OrderId => OrderIds.For(MerchantId, MerchantOrderNo);
    }

    private OrderPlan Plan(string userId)
    {
        var items = Enumerable.Range(0, 1 + _random.Next(3)).Select(i =>
        {
            var price = 100L * (1 + _random.Next(200));
            var quantity = 1 + _random.Next(3);
            return (ItemCategory)_random.Next(3) switch
            {
                ItemCategory.A => Scenario.A(price, quantity),
                ItemCategory.B => Scenario.B(price, quantity),
                _ => Scenario.C(price, quantity),
            };
        }).DistinctBy(i => i.Code).ToArray();
        var plan = new OrderPlan(userId, $"m{_random.Next(5)}", TestWorld.Unique("chaos"), items, _random.Next(10) == 0 ? 0 : null, 1 + _random.Next(3));
        var roll = _random.Next(100);
        var (fault, rule) = roll switch
        {
            < 8 => ("platform lose-reply", (Func<Task>)(() => _sandbox.Admin.PlatformAsync(plan.OrderId, new(SandboxFault.LoseReply, Times: 1)))),
            < 16 => ("platform timeout", () => _sandbox.Admin.PlatformAsync(plan.OrderId, new(SandboxFault.Timeout, Times: 1 + _random.Next(2)))),
            < 21 => ("platform late", () => _sandbox.Admin.PlatformAsync(plan.OrderId, new(SandboxFault.SucceedLate, TimeSpan.FromMilliseconds(_random.Next(200)), Times: 1))),
            < 29 => ("platform decline", () => _sandbox.Admin.PlatformAsync(plan.OrderId, new(SandboxFault.Decline))),
            < 34 => ("platform delay", () => _sandbox.Admin.PlatformAsync(plan.OrderId, new(SandboxFault.Delay, TimeSpan.FromMilliseconds(50 + _random.Next(250)), Times: 1))),
            < 40 => ("cash decline", () => _sandbox.Admin.CashAsync(plan.OrderId, new(SandboxFault.Decline))),
            < 45 => ("cash lose-reply", () => _sandbox.Admin.CashAsync(plan.OrderId, new(SandboxFault.LoseReply, Times: 1))),
            _ => ("none", () => Task.CompletedTask),
        };
        _scripts.Add(rule);
        _faults[plan.OrderId] = fault;
        return plan;
    }

    /// <summary>Creates, authorizes and pays one order, repeating the payment request, until it has a final answer.</summary>
    private async Task DriveAsync(Scenario s, OrderPlan plan)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        await Retry(() => s.Order(plan.OrderId).CreateAsync(new(plan.MerchantId, plan.MerchantOrderNo, plan.UserId, [.. plan.Items])));
        var code = (await Retry(() => s.Voucher(plan.UserId).AuthorizeAsync(new(plan.MerchantId, 100_000_000, plan.MerchantOrderNo, 60, Scenario.HolderOf(plan.UserId))))).Value!.AuthCode;
        while (DateTime.UtcNow < deadline)
        {
            // The application sends the same request several times at once: network retries, double clicks.
            var attempts = await Task.WhenAll(Enumerable.Range(0, plan.Repeats).Select(async _ =>
            {
                Interlocked.Increment(ref _requests);
                try
                {
                    return await s.Order(plan.OrderId).PayAsync(new(code, plan.MaxCashFen));
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _retriesAfterErrors);
                    return null;
                }
            }));
            var final = attempts.FirstOrDefault(a => a?.Value?.Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.ManualReview);
            if (final is not null)
            {
                _acknowledged[plan.OrderId] = final.Value!;
                return;
            }

            if (attempts.FirstOrDefault(a => a is { IsOk: false }) is { } refused)
            {
                lock (_violations)
                {
                    _violations.Add($"order {plan.OrderId}: payment refused with {refused.Error!.Code} for a valid consent");
                }

                return;
            }

            await Task.Delay(200);
        }

        lock (_violations)
        {
            _violations.Add($"order {plan.OrderId}: no final answer within 3 minutes");
        }
    }

    /// <summary>Refunds an order (all of it, or a part), repeating the request, until the refund has a final answer.</summary>
    private async Task RefundAsync(Scenario s, string orderId, bool full, int repeats)
    {
        var order = (await Retry(() => s.Order(orderId).GetAsync())).Value!;
        var amount = full ? order.TotalFen : Math.Max(1, order.TotalFen / 3);
        var command = new RefundCommand("r1", amount, full ? "returned in full" : "one item returned");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var attempts = await Task.WhenAll(Enumerable.Range(0, repeats).Select(async _ =>
            {
                try
                {
                    return await s.Order(orderId).RefundAsync(command);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _retriesAfterErrors);
                    return null;
                }
            }));
            if (attempts.FirstOrDefault(a => a is { IsOk: false }) is { } refused)
            {
                lock (_violations)
                {
                    _violations.Add($"order {orderId}: refund refused with {refused.Error!.Code}");
                }

                return;
            }

            if (attempts.FirstOrDefault(a => a?.Value?.Status is RefundStatus.Succeeded or RefundStatus.Failed or RefundStatus.ManualReview) is { } final)
            {
                _refunds[orderId] = final.Value!;
                return;
            }

            await Task.Delay(200);
        }

        lock (_violations)
        {
            _violations.Add($"order {orderId}: refund without a final answer within 3 minutes");
        }
    }

    /// <summary>Kills the sandbox platform process now and then, and starts it again on the same port and tables.</summary>
    private async Task<int> KillSandboxAsync(CancellationToken stop)
    {
        var killed = 0;
        try
        {
            while (killed < settings.SandboxKills)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2_000 + _random.Next(2_000)), stop);
                log("chaos: killing the sandbox platform process");
                await _sandbox.KillAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(500 + _random.Next(1_000)), CancellationToken.None);
                await _sandbox.StartAsync();
                killed++;
            }
        }
        catch (OperationCanceledException)
        {
        }

        return killed;
    }

    private async Task<T> Retry<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < 60)
            {
                Interlocked.Increment(ref _retriesAfterErrors);
                await Task.Delay(250);
            }
        }
    }

    private async Task<int> KillSilosAsync(MedPayCluster cluster, CancellationToken stop)
    {
        var killed = 0;
        try
        {
            while (killed < settings.SiloKills)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1_500 + _random.Next(1_500)), stop);
                var silos = cluster.Cluster.Silos.ToList();
                var victim = silos[_random.Next(silos.Count)];
                log($"chaos: killing silo {victim.SiloAddress}");
                await cluster.Cluster.KillSiloAsync(victim);
                await cluster.Cluster.StartAdditionalSiloAsync();
                killed++;
            }
        }
        catch (OperationCanceledException)
        {
        }

        return killed;
    }

    private async Task CheckAsync(Scenario s, List<(string UserId, long Opening)> vouchers, List<OrderPlan> plans)
    {
        var atPlatform = (await _sandbox.Admin.RecordsAsync()).ToLookup(r => r.OrderId);
        var orders = new Dictionary<string, OrderView>();
        foreach (var plan in plans)
        {
            orders[plan.OrderId] = (await Retry(() => s.Order(plan.OrderId).GetAsync())).Value!;
        }

        foreach (var plan in plans)
        {
            var order = orders[plan.OrderId];
            var id = plan.OrderId;
            var refunded = _refunds.ContainsKey(id);
            Check(order.Status is OrderStatus.Settled or OrderStatus.Failed || (refunded && order.Status is OrderStatus.PartiallyRefunded or OrderStatus.Refunded),
                $"order {id} ends {order.Status}, not settled or failed (fault: {_faults[id]})");
            // A refund request notes itself in the history under the order's status: a note, not a move.
            var moves = order.History.Where((h, i) => i == 0 || h.Status != order.History[i - 1].Status).ToList();
            var terminal = moves.Count(h => h.Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.ManualReview);
            Check(terminal == 1, $"order {id} has {terminal} terminal entries in its history");
            Check(moves.Zip(moves.Skip(1)).All(p => OrderTransitions.CanMove(p.First.Status, p.Second.Status)), $"order {id} history has an illegal transition");

            if (_acknowledged.TryGetValue(id, out var acknowledged))
            {
                var expected = refunded && acknowledged.Status == OrderStatus.Settled ? order.Status is OrderStatus.PartiallyRefunded or OrderStatus.Refunded : acknowledged.Status == order.Status;
                Check(expected && acknowledged.Split == order.Split, $"order {id}: acknowledged {acknowledged.Status} but after the restart reads {order.Status}");
            }
            else
            {
                Check(false, $"order {id} was never acknowledged");
            }

            var records = atPlatform[id];
            var settlements = records.Where(r => r is { Kind: PlatformRecordKind.Settlement, Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed }).ToList();
            Check(settlements.Count <= 1, $"order {id} has {settlements.Count} settlements at the platform");
            var charge = records.FirstOrDefault(r => r.Kind == PlatformRecordKind.CashCharge && r.Id == order.SettlementId);
            if (order.Status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded)
            {
                var split = order.Split!;
                CheckRefund(order, records);
                Check(split.FundFen >= 0 && split.PersonalAccountFen >= 0 && split.CashFen >= 0, $"order {id} has a negative part in {split}");
                Check(split.TotalFen == order.TotalFen, $"order {id}: {split} does not add up to {order.TotalFen}");
                var settled = settlements.FirstOrDefault();
                Check(settled is { Outcome: PlatformOutcome.Succeeded } && settled.Id == order.SettlementId
                    && settled.FundFen == split.FundFen && settled.PersonalAccountFen == split.PersonalAccountFen,
                    $"order {id} is settled but the platform holds {settled?.ToString() ?? "nothing"}");
                Check(split.CashFen == 0 ? charge is null : charge is { Outcome: PlatformOutcome.Succeeded } && charge.CashFen == split.CashFen,
                    $"order {id}: cash {split.CashFen} fen but the cash channel holds {charge?.ToString() ?? "nothing"}");
            }
            else
            {
                Check(settlements.All(r => r.Outcome == PlatformOutcome.Reversed), $"order {id} failed but the platform holds an unreversed settlement");
                Check(charge is not { Outcome: PlatformOutcome.Succeeded }, $"order {id} failed but the cash channel charged {charge?.CashFen} fen");
            }
        }

        foreach (var (userId, opening) in vouchers)
        {
            var voucher = (await Retry(() => s.Voucher(userId).GetAsync())).Value!;
            var mine = plans.Where(p => p.UserId == userId).Select(p => orders[p.OrderId]).Where(o => o.Split is not null && o.Status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded).ToList();
            var paid = mine.Sum(o => o.Split!.PersonalAccountFen);
            var back = mine.SelectMany(o => o.Refunds).Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.Split.PersonalAccountFen);
            Check(voucher.PersonalAccountBalanceFen == opening - paid + back, $"voucher {userId}: balance {voucher.PersonalAccountBalanceFen}, expected {opening} − {paid} + {back}");
            Check(voucher.PersonalAccountBalanceFen >= 0, $"voucher {userId} is overdrawn: {voucher.PersonalAccountBalanceFen}");
            Check(voucher.ReservedFen == 0, $"voucher {userId} still holds {voucher.ReservedFen} fen reserved");
        }

        await CheckStatementsAsync(orders);
        await CheckListingsAsync(s, orders, plans);

        var byStatus = orders.Values.GroupBy(o => o.Status).Select(g => $"{g.Count()} {g.Key}");
        var byFault = _faults.Values.GroupBy(f => f).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
        var failures = orders.Values.Where(o => o.Status == OrderStatus.Failed).GroupBy(o => o.Failure?.Code ?? "none").OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
        log($"chaos: orders {string.Join(", ", byStatus)} (failed: {string.Join(", ", failures)}); faults {string.Join(", ", byFault)}");
        log("chaos: checked each order ends settled or failed with one terminal history entry and legal transitions; every acknowledged result reads the same after the restart; "
            + "at most one platform settlement per order, unreversed and with the split's amounts iff settled; cash charged iff settled with cash; fund + personal + cash = total, none negative; "
            + "every voucher's balance = opening − committed personal payments + refunded ones, never negative, nothing left reserved; "
            + "every refund of a settled order succeeded, recorded once at the platform (and the cash channel) with its split; the platform's statements hold exactly the run's settlements and refunds with MedPay's amounts; "
            + "every user's and every merchant-day's listing, paged through, shows each of its orders once with the order's status, split and refunded amount");
    }

    /// <summary>
    /// Every user's listing and every merchant-day's listing, followed page by page to the end, holds each of its orders
    /// exactly once (and no other) with the status, split and refunded amount the order itself has.
    /// </summary>
    private async Task CheckListingsAsync(Scenario s, Dictionary<string, OrderView> orders, List<OrderPlan> plans)
    {
        var query = s.Query;
        var listings = plans.GroupBy(p => p.UserId)
            .Select(g => ($"user {g.Key}", g.Select(p => p.OrderId).ToList(), (Func<string?, Task<OrderPage>>)(token => query.ListForUserAsync(g.Key, null, token, 7))))
            .Concat(plans.GroupBy(p => (p.MerchantId, Day: DateOnly.FromDateTime(orders[p.OrderId].CreatedAt.UtcDateTime)))
                .Select(g => ($"merchant {g.Key.MerchantId} on {g.Key.Day}", g.Select(p => p.OrderId).ToList(),
                    (Func<string?, Task<OrderPage>>)(token => query.ListForMerchantAsync(g.Key.MerchantId, g.Key.Day, null, token, 7)))))
            .ToList();
        var lines = 0;
        foreach (var (name, expected, page) in listings)
        {
            var listed = new List<OrderSummary>();
            string? token = null;
            var pages = 0;
            do
            {
                var p = await Retry(() => page(token));
                listed.AddRange(p.Orders);
                token = p.NextPageToken;
            }
            while (token is not null && ++pages < 1_000);

            lines += listed.Count;
            var byId = listed.GroupBy(l => l.OrderId).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var id in expected)
            {
                var order = orders[id];
                var found = byId.GetValueOrDefault(id) ?? [];
                Check(found.Count == 1, $"order {id} appears {found.Count} times in the listing of {name}");
                if (found.Count == 0)
                {
                    continue;
                }

                var line = found[0];
                var refunded = order.Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.AmountFen);
                Check(line.Status == order.Status && line.Split == order.Split && line.RefundedFen == refunded && line.TotalFen == order.TotalFen,
                    $"order {id} is listed for {name} as {line.Status}, {line.Split?.ToString() ?? "no split"}, {line.RefundedFen} fen refunded; the order is {order.Status}, {order.Split?.ToString() ?? "no split"}, {refunded} fen refunded");
            }

            foreach (var other in byId.Keys.Except(expected))
            {
                Check(false, $"order {other} is in the listing of {name}, which is not its own");
            }
        }

        log($"chaos: {listings.Count} listings ({plans.Select(p => p.UserId).Distinct().Count()} users, {listings.Count - plans.Select(p => p.UserId).Distinct().Count()} merchant-days) paged through: {lines} lines");
    }

    /// <summary>Every merchant's daily statement of the run, checked against the platform's statement, lists no difference.</summary>
    private async Task CheckMerchantStatementsAsync(IGrainFactory grains, List<OrderPlan> plans)
    {
        var days = Enumerable.Range(0, 2).Select(d => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-d));
        foreach (var merchant in plans.Select(p => p.MerchantId).Distinct().Order(StringComparer.Ordinal))
        {
            foreach (var day in days)
            {
                var statement = await Retry(() => grains.GetGrain<IOrderQueryGrain>(0).ReconcileAsync(merchant, day));
                Check(statement.Platform is { Checked: true }, $"merchant {merchant}, {day}: the platform check was not made ({statement.Platform?.Unavailable})");
                Check(statement.Mismatches.IsEmpty, $"merchant {merchant}, {day}: {statement.Mismatches.Length} differences, first {statement.Mismatches.FirstOrDefault()}");
            }
        }
    }

    /// <summary>A refunded order: its one refund succeeded (not pending, not in review) and the platform holds it once, with its split.</summary>
    private void CheckRefund(OrderView order, IEnumerable<PlatformRecord> records)
    {
        var id = order.OrderId;
        if (!_refunds.ContainsKey(id))
        {
            Check(order.Refunds.Length == 0, $"order {id} has refunds nobody asked for");
            return;
        }

        Check(order.Refunds.Length == 1, $"order {id} has {order.Refunds.Length} refunds, not 1");
        var refund = order.Refunds.FirstOrDefault();
        if (refund is null)
        {
            return;
        }

        Check(refund.Status == RefundStatus.Succeeded, $"order {id}: refund {refund.RefundId} ends {refund.Status} ({refund.Failure?.Message})");
        Check(order.Status == (refund.AmountFen == order.TotalFen ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded), $"order {id} is {order.Status} after a refund of {refund.AmountFen} of {order.TotalFen}");
        var atPlatform = records.Where(r => r.Kind == PlatformRecordKind.Refund).ToList();
        var insured = refund.Split.FundFen + refund.Split.PersonalAccountFen > 0;
        Check(insured
            ? atPlatform.Count == 1 && atPlatform[0] is { Outcome: PlatformOutcome.Succeeded } p && p.Id == refund.RefundSettlementId && p.FundFen == refund.Split.FundFen && p.PersonalAccountFen == refund.Split.PersonalAccountFen
            : atPlatform.Count == 0,
            $"order {id}: refund {refund.Split} but the platform holds {string.Join("; ", atPlatform)}");
        var cash = records.Where(r => r.Kind == PlatformRecordKind.CashRefund).ToList();
        Check(refund.Split.CashFen == 0 ? cash.Count == 0 : cash.Count == 1 && cash[0] is { Outcome: PlatformOutcome.Succeeded } c && c.CashFen == refund.Split.CashFen,
            $"order {id}: cash refund {refund.Split.CashFen} but the cash channel holds {string.Join("; ", cash)}");
    }

    /// <summary>The platform's own daily statements list exactly this run's settlements and refunds, with MedPay's amounts.</summary>
    private async Task CheckStatementsAsync(Dictionary<string, OrderView> orders)
    {
        var platform = _sandbox.Platform();
        var first = DateOnly.FromDateTime(orders.Values.Min(o => o.CreatedAt).UtcDateTime);
        var lines = new List<PlatformStatementLine>();
        for (var day = first; day <= DateOnly.FromDateTime(DateTime.UtcNow); day = day.AddDays(1))
        {
            var statement = await platform.GetStatementAsync(day, CancellationToken.None);
            lines.AddRange(statement.Lines.Where(l => orders.ContainsKey(l.OrderId)));
        }

        var settled = orders.Values.Where(o => o.Status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded).ToList();
        var standing = lines.Where(l => !l.IsRefund && !l.Reversed).ToList();
        Check(standing.Count == settled.Count && standing.Sum(l => l.FundFen) == settled.Sum(o => o.Split!.FundFen) && standing.Sum(l => l.PersonalAccountFen) == settled.Sum(o => o.Split!.PersonalAccountFen),
            $"the platform's statements hold {standing.Count} settlements ({standing.Sum(l => l.FundFen)} fund, {standing.Sum(l => l.PersonalAccountFen)} personal); MedPay settled {settled.Count} ({settled.Sum(o => o.Split!.FundFen)}, {settled.Sum(o => o.Split!.PersonalAccountFen)})");
        var refunded = settled.SelectMany(o => o.Refunds).Where(r => r.Status == RefundStatus.Succeeded && r.Split.FundFen + r.Split.PersonalAccountFen > 0).ToList();
        var refundLines = lines.Where(l => l.IsRefund).ToList();
        Check(refundLines.Count == refunded.Count && refundLines.Sum(l => l.FundFen) == refunded.Sum(r => r.Split.FundFen) && refundLines.Sum(l => l.PersonalAccountFen) == refunded.Sum(r => r.Split.PersonalAccountFen),
            $"the platform's statements hold {refundLines.Count} refunds; MedPay refunded {refunded.Count}");
        log($"chaos: the platform's statements: {standing.Count} settlements, {lines.Count(l => l.Reversed)} reversed, {refundLines.Count} refunds of this run");
    }

    private void Check(bool holds, string violation)
    {
        _checks++;
        if (!holds)
        {
            _violations.Add(violation);
        }
    }
}
