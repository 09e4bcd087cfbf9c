using System.Collections.Immutable;
using System.Diagnostics;
using Azure.Data.Tables;
using MedPay.Bench.Peer;
using MedPay.Contracts;

namespace MedPay.Bench;

/// <summary>The payment each scenario measures.</summary>
public static class Scenarios
{
    private static readonly ImmutableArray<OrderItem> Items =
    [
        new("A-AMOX-250", "Amoxicillin 250 mg", ItemCategory.A, 1_200, 2),
        new("C-MASK", "Face masks", ItemCategory.C, 500, 1),
    ];

    private static int _people;

    /// <summary>
    /// A new bench person: a Hangzhou employee whose sandbox personal account holds 999,000 fen. One person has one
    /// e-voucher, so every bench user is another person (district and birth date from a counter of this process).
    /// </summary>
    public static OpenVoucherCommand BenchVoucher()
    {
        var n = Interlocked.Increment(ref _people);
        var first17 = $"3301{1 + n / 29_000 % 99:D2}{new DateOnly(1940, 1, 1).AddDays(n % 29_000):yyyyMMdd}999";
        return new("Bench User", first17 + MedPay.Grains.Domain.NationalId.CheckCharacter(first17), "330100", InsuranceType.Employee);
    }

    /// <summary>
    /// MedPay's payment as an application makes it: create the order, authorize, pay. One voucher per worker (a user
    /// pays one order at a time). Latency is the payment request's; throughput counts settled payments.
    /// </summary>
    public static async Task<LoadRunner.Operation> MedPayAsync(IGrainFactory grains, int concurrency, string run)
    {
        var merchant = $"bench-{run}";
        await grains.GetGrain<IMerchantGrain>(merchant).RegisterAsync(new("Bench Pharmacy", "H33010600001", null));
        // Many users, each paying a few orders in a run, as people do: one voucher per worker would have each user pay
        // hundreds of orders a minute.
        // Opened 64 at a time: thousands at once on Azurite's one thread outlast Orleans' 30 s response time-out.
        using var opening = new SemaphoreSlim(64);
        var users = await Task.WhenAll(Enumerable.Range(0, Math.Max(1_000, concurrency * 16)).Select(async i =>
        {
            var userId = $"bench-{run}-{i}";
            await opening.WaitAsync();
            try
            {
                var person = BenchVoucher();
                var opened = await grains.GetGrain<IEVoucherGrain>(userId).OpenAsync(person);
                return opened.IsOk ? (Id: userId, person.NationalId) : throw new InvalidOperationException(opened.Error!.Message);
            }
            finally
            {
                opening.Release();
            }
        }));

        return async (worker, sequence) =>
        {
            var orderNo = $"{run}-{sequence}";
            var order = grains.GetGrain<IMedicalOrderGrain>(OrderIds.For(merchant, orderNo));
            var (userId, nationalId) = users[sequence % users.Length];
            var created = await order.CreateAsync(new(merchant, orderNo, userId, Items));
            if (!created.IsOk)
            {
                return (created.Error!.Code, 0);
            }

            var grant = await grains.GetGrain<IEVoucherGrain>(userId).AuthorizeAsync(new(merchant, 1_000_000, orderNo, 15, nationalId));
            if (!grant.IsOk)
            {
                return (grant.Error!.Code, 0);
            }

            var start = Stopwatch.GetTimestamp();
            var paid = await order.PayAsync(new(grant.Value!.AuthCode, null));
            var ticks = LoadRunner.Since(start);
            return paid switch
            {
                { IsOk: false } => (paid.Error!.Code, ticks),
                { Value.Status: OrderStatus.Settled } => (null, ticks),
                _ => (paid.Value!.Failure?.Code ?? paid.Value.Status.ToString(), ticks),
            };
        };
    }

    /// <summary>The same payment (voucher debit + order settlement, atomically) with Orleans Transactions.</summary>
    public static async Task<(LoadRunner.Operation Operation, Func<Task<IReadOnlyList<string>>> Check)> PeerAsync(IGrainFactory grains, int concurrency, string run)
    {
        const long opening = 100_000_000;
        var users = Enumerable.Range(0, concurrency).Select(worker => $"peer-{run}-{worker}").ToList();
        await TransactionsPeer.OpenVouchersAsync(grains, users, opening);
        var committed = new System.Collections.Concurrent.ConcurrentBag<(string OrderId, string UserId, long PersonalFen)>();
        LoadRunner.Operation operation = async (worker, sequence) =>
        {
            var orderId = $"peer-{run}-{sequence}";
            var start = Stopwatch.GetTimestamp();
            var ok = await TransactionsPeer.PayAsync(grains, orderId, users[worker], 0, 2_400, 500);
            var ticks = LoadRunner.Since(start);
            if (ok)
            {
                committed.Add((orderId, users[worker], 2_400));
            }

            return (ok ? null : "aborted", ticks);
        };
        return (operation, () => TransactionsPeer.CheckInvariantsAsync(grains, users, opening, [.. committed]));
    }

    /// <summary>Azurite's own ceiling: 1 KiB entity upserts into one table at the same concurrency.</summary>
    public static async Task<RunResult> RawUpsertsAsync(string connectionString, int concurrency, TimeSpan warmup, TimeSpan duration, string run)
    {
        var table = new TableClient(connectionString, "benchraw" + run.Replace("-", ""));
        await table.CreateIfNotExistsAsync();
        var payload = new byte[1024];
        return await LoadRunner.RunAsync("azurite raw upserts", concurrency, warmup, duration, async (worker, sequence) =>
        {
            var start = Stopwatch.GetTimestamp();
            await table.UpsertEntityAsync(new TableEntity($"w{worker}", $"r{sequence % 1000}") { ["Data"] = payload });
            return (null, LoadRunner.Since(start));
        });
    }
}
