using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>The order lifecycle. Terminal states never move backwards.</summary>
public static class OrderTransitions
{
    private static readonly Dictionary<OrderStatus, OrderStatus[]> Allowed = new()
    {
        [OrderStatus.Created] = [OrderStatus.Paying, OrderStatus.Failed, OrderStatus.Cancelled, OrderStatus.Expired],
        [OrderStatus.Paying] = [OrderStatus.Settled, OrderStatus.Failed, OrderStatus.ManualReview],
        [OrderStatus.ManualReview] = [OrderStatus.Settled, OrderStatus.Failed],
        [OrderStatus.Settled] = [OrderStatus.PartiallyRefunded, OrderStatus.Refunded],
        [OrderStatus.PartiallyRefunded] = [OrderStatus.PartiallyRefunded, OrderStatus.Refunded],
        [OrderStatus.Failed] = [],
        [OrderStatus.Refunded] = [],
        [OrderStatus.Cancelled] = [],
        [OrderStatus.Expired] = [],
    };

    public static bool CanMove(OrderStatus from, OrderStatus to) => Allowed.TryGetValue(from, out var next) && next.Contains(to);

    public static bool IsTerminal(OrderStatus status) => status is OrderStatus.Failed or OrderStatus.Refunded or OrderStatus.Cancelled or OrderStatus.Expired;

    public static void EnsureCanMove(OrderStatus from, OrderStatus to)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidOperationException($"An order cannot move from {from} to {to}.");
        }
    }
}
