using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>
/// Which lines of a merchant index the expiry sweep asks about. A line keeps what was fixed at creation, so its status
/// stays created whatever the order did since: the sweep asks the order itself (whose expiry is idempotent and leaves a
/// paid order alone), and once an order answers any other status the line is marked swept, durably, and never asked
/// about again (an order never goes back to created). Lines written before listings were read live may hold a later
/// status already: those are done too.
/// </summary>
public static class IndexSweep
{
    /// <summary>The lines still to watch: created, and not yet known to be past created.</summary>
    public static List<OrderSummary> Open(IEnumerable<OrderSummary> lines, IReadOnlySet<string> swept) =>
        [.. lines.Where(l => l.Status == OrderStatus.Created && !swept.Contains(l.OrderId))];

    /// <summary>The open lines whose order is old enough to expire if still unpaid.</summary>
    public static List<OrderSummary> Due(IEnumerable<OrderSummary> open, DateTimeOffset now, TimeSpan unpaidExpiry) =>
        [.. open.Where(l => now - l.CreatedAt >= unpaidExpiry)];

    /// <summary>
    /// Whether the order's answer ends the sweep's interest in its line: any status but created (expired, cancelled, paid,
    /// paying), or no such order (nothing to expire). Still created (its expiry finishing an interrupted payment, say):
    /// asked again at the next sweep.
    /// </summary>
    public static bool IsDone(bool exists, OrderStatus? status) => !exists || status is not OrderStatus.Created;
}
