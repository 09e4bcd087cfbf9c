using System.Collections.Concurrent;
using System.Diagnostics;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;

namespace MedPay.ClusterTests;

public sealed record ChaosSettings(int Vouchers, int Orders, int Concurrency, int SiloKills, short Silos, int Seed)
{
    /// <summary>Each setting may be overridden by an environment variable, e.g. MEDPAY_CHAOS_ORDERS=5000.</summary>
    public ChaosSettings FromEnvironment() => this with
    {
        Vouchers = Env("MEDPAY_CHAOS_VOUCHERS", Vouchers),
        Orders = Env("MEDPAY_CHAOS_ORDERS", Orders),
        Concurrency = Env("MEDPAY_CHAOS_CONCURRENCY", Concurrency),
        SiloKills = Env("MEDPAY_CHAOS_KILLS", SiloKills),
        Seed = Env("MEDPAY_CHAOS_SEED", Seed),
    };

    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}

/// <summary>
/// A bank-test style checker (after Jepsen's): many concurrent payments with repeated requests and scripted platform
/// faults on a multi-silo cluster whose silos are killed and replaced during the run; then a restart of the whole
/// cluster; then every invariant is checked against the platform's own records and the grains' state.
/// </summary>
public sealed class ChaosRun(ChaosSettings settings, Action<string> log)
{
    private readonly Random _random = new(settings.Seed);
    private readonly ConcurrentDictionary<string, PaymentResult> _acknowledged = new();
    private readonly ConcurrentDictionary<string, string> _faults = new();
    private readonly List<Func<Task>> _scripts = [];
    private readonly List<string> _violations = [];
    private int _requests;
    private int _retriesAfterErrors;
    private int _checks;

    public IReadOnlyList<string> Violations => _violations;

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var first = await MedPayCluster.StartAsync(silos: settings.Silos, azureClustering: true, tls: true);
        var s = new Scenario(first.Grains);
        List<(string UserId, long Opening)> vouchers;
        List<OrderPlan> plans;
        int killed;
        await using (first)
        {
            vouchers = [.. await Task.WhenAll(Enumerable.Range(0, settings.Vouchers).Select(async i =>
            {
                var (userId, view) = await s.OpenVoucherAsync(1 + i % 60, i % 3 == 0 ? "310100" : "330100");
                return (userId, view.PersonalAccountBalanceFen);
            }))];
            plans = [.. Enumerable.Range(0, settings.Orders).Select(_ => Plan(vouchers[_random.Next(vouchers.Count)].UserId))];
            foreach (var script in _scripts)
            {
                await script();
            }

            log($"chaos: {settings.Silos} silos, {vouchers.Count} vouchers, {plans.Count} orders, concurrency {settings.Concurrency}, seed {settings.Seed}");

            using var stop = new CancellationTokenSource();
            var monkey = KillSilosAsync(first, stop.Token);
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
            stop.Cancel();
            killed = await monkey;
            log($"chaos: payments driven in {clock.Elapsed.TotalSeconds:F1} s; {_requests} payment requests ({_retriesAfterErrors} after errors), {killed} silos killed");

            // Orphaned reservations are found by the vouchers' reminders; wait for the cluster to be quiet.
            await Eventually.HoldsAsync(async () => (await Task.WhenAll(vouchers.Select(v => s.Voucher(v.UserId).GetAsync()))).All(v => v.Value!.ReservedFen == 0), seconds: 120);
        }

        log("chaos: whole cluster stopped; restarting it on the same storage");
        await using var second = await MedPayCluster.StartAsync(silos: settings.Silos, serviceId: first.ServiceId, tableName: first.TableName, azureClustering: true, tls: true);
        await CheckAsync(new Scenario(second.Grains), vouchers, plans);
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
            < 8 => ("platform lose-reply", (Func<Task>)(() => TestWorld.Sandbox.PlatformAsync(plan.OrderId, new(SandboxFault.LoseReply, Times: 1)))),
            < 16 => ("platform timeout", () => TestWorld.Sandbox.PlatformAsync(plan.OrderId, new(SandboxFault.Timeout, Times: 1 + _random.Next(2)))),
            < 21 => ("platform late", () => TestWorld.Sandbox.PlatformAsync(plan.OrderId, new(SandboxFault.SucceedLate, TimeSpan.FromMilliseconds(_random.Next(200)), Times: 1))),
            < 29 => ("platform decline", () => TestWorld.Sandbox.PlatformAsync(plan.OrderId, new(SandboxFault.Decline))),
            < 34 => ("platform delay", () => TestWorld.Sandbox.PlatformAsync(plan.OrderId, new(SandboxFault.Delay, TimeSpan.FromMilliseconds(50 + _random.Next(250)), Times: 1))),
            < 40 => ("cash decline", () => TestWorld.Sandbox.CashAsync(plan.OrderId, new(SandboxFault.Decline))),
            < 45 => ("cash lose-reply", () => TestWorld.Sandbox.CashAsync(plan.OrderId, new(SandboxFault.LoseReply, Times: 1))),
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
        var code = (await Retry(() => s.Voucher(plan.UserId).AuthorizeAsync(new(plan.MerchantId, 100_000_000, plan.MerchantOrderNo, 60)))).Value!.AuthCode;
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
        var atPlatform = (await TestWorld.Sandbox.RecordsAsync()).ToLookup(r => r.OrderId);
        var orders = new Dictionary<string, OrderView>();
        foreach (var plan in plans)
        {
            orders[plan.OrderId] = (await Retry(() => s.Order(plan.OrderId).GetAsync())).Value!;
        }

        foreach (var plan in plans)
        {
            var order = orders[plan.OrderId];
            var id = plan.OrderId;
            Check(order.Status is OrderStatus.Settled or OrderStatus.Failed, $"order {id} ends {order.Status}, not settled or failed (fault: {_faults[id]})");
            var terminal = order.History.Count(h => h.Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.ManualReview);
            Check(terminal == 1, $"order {id} has {terminal} terminal entries in its history");
            Check(order.History.Zip(order.History.Skip(1)).All(p => OrderTransitions.CanMove(p.First.Status, p.Second.Status)), $"order {id} history has an illegal transition");

            if (_acknowledged.TryGetValue(id, out var acknowledged))
            {
                Check(acknowledged.Status == order.Status && acknowledged.Split == order.Split, $"order {id}: acknowledged {acknowledged.Status} but after the restart reads {order.Status}");
            }
            else
            {
                Check(false, $"order {id} was never acknowledged");
            }

            var records = atPlatform[id];
            var settlements = records.Where(r => r is { Kind: PlatformRecordKind.Settlement, Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed }).ToList();
            Check(settlements.Count <= 1, $"order {id} has {settlements.Count} settlements at the platform");
            var charge = records.FirstOrDefault(r => r.Kind == PlatformRecordKind.CashCharge && r.Id == order.SettlementId);
            if (order.Status == OrderStatus.Settled)
            {
                var split = order.Split!;
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
            var paid = plans.Where(p => p.UserId == userId && orders[p.OrderId].Status == OrderStatus.Settled).Sum(p => orders[p.OrderId].Split!.PersonalAccountFen);
            Check(voucher.PersonalAccountBalanceFen == opening - paid, $"voucher {userId}: balance {voucher.PersonalAccountBalanceFen}, expected {opening} − {paid}");
            Check(voucher.PersonalAccountBalanceFen >= 0, $"voucher {userId} is overdrawn: {voucher.PersonalAccountBalanceFen}");
            Check(voucher.ReservedFen == 0, $"voucher {userId} still holds {voucher.ReservedFen} fen reserved");
        }

        var byStatus = orders.Values.GroupBy(o => o.Status).Select(g => $"{g.Count()} {g.Key}");
        var byFault = _faults.Values.GroupBy(f => f).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
        log($"chaos: orders {string.Join(", ", byStatus)}; faults {string.Join(", ", byFault)}");
        log("chaos: checked each order ends settled or failed with one terminal history entry and legal transitions; every acknowledged result reads the same after the restart; "
            + "at most one platform settlement per order, unreversed and with the split's amounts iff settled; cash charged iff settled with cash; fund + personal + cash = total, none negative; "
            + "every voucher's balance = opening − committed personal payments, never negative, nothing left reserved");
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
