using Orleans.Transactions;
using Orleans.Transactions.Abstractions;

namespace MedPay.Bench.Peer;

// The benchmark's peer: the same payment (debit the personal account of a voucher and settle the order, atomically)
// written the way Orleans offers it out of the box: Orleans Transactions, [Transaction] methods and
// ITransactionalState. No ITransactionalStateStorageFactory is registered, so Orleans wraps MedPay's named grain
// storage ("medpay") in its TransactionalStateStorageProviderWrapper: each grain's committed state, pending
// (prepared) states and transaction-manager metadata are kept as one grain-storage record per state name.

/// <summary>State of a peer voucher: only what the payment needs, the personal-account balance.</summary>
[GenerateSerializer, Alias("medpay.peer.VoucherState")]
public sealed class PeerVoucherState
{
    [Id(0)] public bool Opened { get; set; }
    [Id(1)] public long BalanceFen { get; set; }
    [Id(2)] public long DebitCount { get; set; }
}

[GenerateSerializer, Alias("medpay.peer.OrderStatus")]
public enum PeerOrderStatus
{
    None = 0,
    Settled = 1,
}

/// <summary>State of a peer order: settled with its split, or nothing.</summary>
[GenerateSerializer, Alias("medpay.peer.OrderState")]
public sealed class PeerOrderState
{
    [Id(0)] public PeerOrderStatus Status { get; set; }
    [Id(1)] public string? UserId { get; set; }
    [Id(2)] public long FundFen { get; set; }
    [Id(3)] public long PersonalFen { get; set; }
    [Id(4)] public long CashFen { get; set; }
    [Id(5)] public long TotalFen { get; set; }
}

/// <summary>The peer's voucher (key: user id).</summary>
[Alias("medpay.peer.IPeerVoucherGrain")]
public interface IPeerVoucherGrain : IGrainWithStringKey
{
    [Transaction(TransactionOption.CreateOrJoin), Alias("Open")]
    Task OpenAsync(long balanceFen);

    /// <summary>Takes <paramref name="amountFen"/> off the balance inside the caller's transaction; throws
    /// <see cref="InvalidOperationException"/> (which aborts the transaction) when the balance does not cover it.</summary>
    [Transaction(TransactionOption.Join), Alias("Debit")]
    Task DebitAsync(string orderId, long amountFen);

    [Transaction(TransactionOption.CreateOrJoin), Alias("GetBalance")]
    Task<long> GetBalanceAsync();
}

/// <summary>The peer's order (key: order id).</summary>
[Alias("medpay.peer.IPeerOrderGrain")]
public interface IPeerOrderGrain : IGrainWithStringKey
{
    /// <summary>In one transaction: debits the voucher's personal part and records the order as settled. Throws when
    /// the transaction aborts (insufficient balance, order already settled, lock timeouts, ...).</summary>
    [Transaction(TransactionOption.Create), Alias("Pay")]
    Task<bool> PayAsync(string userId, long fundFen, long personalFen, long cashFen);

    [Transaction(TransactionOption.CreateOrJoin), Alias("Get")]
    Task<PeerOrderState> GetAsync();
}

public sealed class PeerVoucherGrain(
    [TransactionalState("voucher", TransactionsPeer.StorageName)] ITransactionalState<PeerVoucherState> voucher)
    : Grain, IPeerVoucherGrain
{
    public Task OpenAsync(long balanceFen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(balanceFen);
        return voucher.PerformUpdate(s =>
        {
            if (s.Opened)
            {
                throw new InvalidOperationException($"Voucher {this.GetPrimaryKeyString()} is already open.");
            }

            s.Opened = true;
            s.BalanceFen = balanceFen;
        });
    }

    public Task DebitAsync(string orderId, long amountFen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amountFen);
        return voucher.PerformUpdate(s =>
        {
            if (!s.Opened)
            {
                throw new InvalidOperationException($"Voucher {this.GetPrimaryKeyString()} is not open.");
            }

            if (s.BalanceFen < amountFen)
            {
                throw new InvalidOperationException(
                    $"{TransactionsPeer.InsufficientBalance}: voucher {this.GetPrimaryKeyString()} has {s.BalanceFen} fen, order {orderId} needs {amountFen}.");
            }

            s.BalanceFen -= amountFen;
            s.DebitCount++;
        });
    }

    public Task<long> GetBalanceAsync() => voucher.PerformRead(s => s.BalanceFen);
}

public sealed class PeerOrderGrain(
    [TransactionalState("order", TransactionsPeer.StorageName)] ITransactionalState<PeerOrderState> order)
    : Grain, IPeerOrderGrain
{
    public async Task<bool> PayAsync(string userId, long fundFen, long personalFen, long cashFen)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(fundFen);
        ArgumentOutOfRangeException.ThrowIfNegative(personalFen);
        ArgumentOutOfRangeException.ThrowIfNegative(cashFen);

        var orderId = this.GetPrimaryKeyString();
        if (await order.PerformRead(s => s.Status) == PeerOrderStatus.Settled)
        {
            throw new InvalidOperationException($"Order {orderId} is already settled.");
        }

        if (personalFen > 0)
        {
            await GrainFactory.GetGrain<IPeerVoucherGrain>(userId).DebitAsync(orderId, personalFen);
        }

        await order.PerformUpdate(s =>
        {
            s.Status = PeerOrderStatus.Settled;
            s.UserId = userId;
            s.FundFen = fundFen;
            s.PersonalFen = personalFen;
            s.CashFen = cashFen;
            s.TotalFen = fundFen + personalFen + cashFen;
        });
        return true;
    }

    public Task<PeerOrderState> GetAsync() => order.PerformRead(s => new PeerOrderState
    {
        Status = s.Status,
        UserId = s.UserId,
        FundFen = s.FundFen,
        PersonalFen = s.PersonalFen,
        CashFen = s.CashFen,
        TotalFen = s.TotalFen,
    });
}

/// <summary>How a payment of the peer ended.</summary>
public enum PeerPayOutcome
{
    /// <summary>The transaction committed: voucher debited and order settled.</summary>
    Committed,

    /// <summary>Aborted because the voucher's balance did not cover the personal part.</summary>
    Declined,

    /// <summary>Aborted for any other reason (lock timeout, cascading abort, order already settled, ...); nothing was written.</summary>
    Aborted,
}

public static class TransactionsPeer
{
    /// <summary>MedPay's grain storage name; the peer's transactional state lives in the same storage.</summary>
    public const string StorageName = "medpay";

    internal const string InsufficientBalance = "insufficient balance";

    /// <summary>Enables Orleans Transactions on the silo. The transactional state of the peer's grains is stored
    /// through the grain storage named <see cref="StorageName"/> (which <c>AddMedPay</c> registers).</summary>
    public static ISiloBuilder UseTransactionsPeer(this ISiloBuilder silo) => silo.UseTransactions();

    /// <summary>Opens every voucher with <paramref name="openingFen"/>, each in its own transaction.</summary>
    public static Task OpenVouchersAsync(IGrainFactory grains, IReadOnlyList<string> userIds, long openingFen) =>
        Task.WhenAll(userIds.Select(u => grains.GetGrain<IPeerVoucherGrain>(u).OpenAsync(openingFen)));

    /// <summary>One payment. True when it committed; false when the transaction aborted (declined or any other
    /// abort). Anything else, in particular <see cref="OrleansTransactionInDoubtException"/> (outcome unknown),
    /// is rethrown.</summary>
    public static async Task<bool> PayAsync(IGrainFactory grains, string orderId, string userId, long fundFen, long personalFen, long cashFen) =>
        await TryPayAsync(grains, orderId, userId, fundFen, personalFen, cashFen) == PeerPayOutcome.Committed;

    /// <summary>As <see cref="PayAsync"/>, telling a decline (insufficient balance) from other aborts.</summary>
    public static async Task<PeerPayOutcome> TryPayAsync(IGrainFactory grains, string orderId, string userId, long fundFen, long personalFen, long cashFen)
    {
        try
        {
            await grains.GetGrain<IPeerOrderGrain>(orderId).PayAsync(userId, fundFen, personalFen, cashFen);
            return PeerPayOutcome.Committed;
        }
        catch (Exception e) when (IsAbort(e))
        {
            return IsInsufficientBalance(e) ? PeerPayOutcome.Declined : PeerPayOutcome.Aborted;
        }
    }

    /// <summary>
    /// Violations of: each voucher's balance == opening − Σ personal part of its committed orders, and ≥ 0; each
    /// committed order reads settled, for its user, with its personal part and total = fund + personal + cash.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CheckInvariantsAsync(
        IGrainFactory grains,
        IReadOnlyList<string> userIds,
        long openingFen,
        IReadOnlyList<(string OrderId, string UserId, long PersonalFen)> committed)
    {
        var violations = new List<string>();
        var debited = committed.GroupBy(c => c.UserId).ToDictionary(g => g.Key, g => g.Sum(c => c.PersonalFen));
        var balances = await Task.WhenAll(userIds.Select(u => grains.GetGrain<IPeerVoucherGrain>(u).GetBalanceAsync()));
        for (var i = 0; i < userIds.Count; i++)
        {
            var expected = openingFen - debited.GetValueOrDefault(userIds[i]);
            if (balances[i] != expected)
            {
                violations.Add($"voucher {userIds[i]}: balance {balances[i]} fen, expected {expected} (opening {openingFen} − committed personal parts)");
            }

            if (balances[i] < 0)
            {
                violations.Add($"voucher {userIds[i]}: negative balance {balances[i]} fen");
            }
        }

        foreach (var userId in debited.Keys.Except(userIds))
        {
            violations.Add($"committed orders of user {userId}, which is not among the vouchers");
        }

        // Read back in bounded batches: thousands of read transactions at once would outlast the call timeout.
        var orders = new List<PeerOrderState>(committed.Count);
        foreach (var chunk in committed.Chunk(64))
        {
            orders.AddRange(await Task.WhenAll(chunk.Select(c => grains.GetGrain<IPeerOrderGrain>(c.OrderId).GetAsync())));
        }

        for (var i = 0; i < committed.Count; i++)
        {
            var (orderId, userId, personalFen) = committed[i];
            var o = orders[i];
            if (o.Status != PeerOrderStatus.Settled)
            {
                violations.Add($"order {orderId}: committed but reads {o.Status}");
                continue;
            }

            if (o.TotalFen != o.FundFen + o.PersonalFen + o.CashFen)
            {
                violations.Add($"order {orderId}: total {o.TotalFen} ≠ fund {o.FundFen} + personal {o.PersonalFen} + cash {o.CashFen}");
            }

            if (o.UserId != userId || o.PersonalFen != personalFen)
            {
                violations.Add($"order {orderId}: reads user {o.UserId} personal {o.PersonalFen}, committed as user {userId} personal {personalFen}");
            }
        }

        return violations;
    }

    // An abort means nothing was written. In doubt (OrleansTransactionInDoubtException) is not an abort: the
    // transaction may have committed. Starting a transaction that fails, or transactions unavailable, are not aborts
    // of a payment either; they are rethrown.
    private static bool IsAbort(Exception e) => e is OrleansTransactionAbortedException || IsInsufficientBalance(e);

    private static bool IsInsufficientBalance(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is InvalidOperationException && x.Message.StartsWith(InsufficientBalance, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
