using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class OrderTransitionsTests
{
    /// <summary>The lifecycle of DOMAIN.md, edge by edge.</summary>
    private static readonly HashSet<(OrderStatus From, OrderStatus To)> Allowed =
    [
        (OrderStatus.Created, OrderStatus.Paying),
        (OrderStatus.Created, OrderStatus.Failed),
        (OrderStatus.Created, OrderStatus.Cancelled),
        (OrderStatus.Created, OrderStatus.Expired),
        (OrderStatus.Paying, OrderStatus.Settled),
        (OrderStatus.Paying, OrderStatus.Failed),
        (OrderStatus.Paying, OrderStatus.ManualReview),
        (OrderStatus.Settled, OrderStatus.PartiallyRefunded),
        (OrderStatus.Settled, OrderStatus.Refunded),
        (OrderStatus.PartiallyRefunded, OrderStatus.PartiallyRefunded),
        (OrderStatus.PartiallyRefunded, OrderStatus.Refunded),
        (OrderStatus.ManualReview, OrderStatus.Settled),
        (OrderStatus.ManualReview, OrderStatus.Failed),
    ];

    private static readonly OrderStatus[] Terminal = [OrderStatus.Failed, OrderStatus.Refunded, OrderStatus.Cancelled, OrderStatus.Expired];

    public static TheoryData<OrderStatus, OrderStatus, bool> AllPairs()
    {
        var data = new TheoryData<OrderStatus, OrderStatus, bool>();
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                data.Add(from, to, Allowed.Contains((from, to)));
            }
        }

        return data;
    }

    public static TheoryData<OrderStatus, OrderStatus> TerminalPairs()
    {
        var data = new TheoryData<OrderStatus, OrderStatus>();
        foreach (var from in Terminal)
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    public static TheoryData<OrderStatus> AllStatuses() => new(Enum.GetValues<OrderStatus>());

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Only_the_transitions_of_the_lifecycle_are_allowed(OrderStatus from, OrderStatus to, bool allowed)
    {
        Assert.Equal(allowed, OrderTransitions.CanMove(from, to));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void EnsureCanMove_throws_exactly_for_the_transitions_that_are_not_allowed(OrderStatus from, OrderStatus to, bool allowed)
    {
        var thrown = Record.Exception(() => OrderTransitions.EnsureCanMove(from, to));

        if (allowed)
        {
            Assert.Null(thrown);
        }
        else
        {
            Assert.IsType<InvalidOperationException>(thrown);
        }
    }

    [Theory]
    [MemberData(nameof(TerminalPairs))]
    public void Terminal_states_never_move(OrderStatus from, OrderStatus to)
    {
        Assert.True(OrderTransitions.IsTerminal(from));
        Assert.False(OrderTransitions.CanMove(from, to));
    }

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void Nothing_moves_back_to_created(OrderStatus from)
    {
        Assert.False(OrderTransitions.CanMove(from, OrderStatus.Created));
    }

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void Only_failed_refunded_cancelled_and_expired_are_terminal(OrderStatus status)
    {
        Assert.Equal(Terminal.Contains(status), OrderTransitions.IsTerminal(status));
    }

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void Every_non_terminal_state_has_a_way_out(OrderStatus status)
    {
        var exits = Enum.GetValues<OrderStatus>().Count(to => to != status && OrderTransitions.CanMove(status, to));

        Assert.Equal(!OrderTransitions.IsTerminal(status), exits > 0);
    }

    [Fact]
    public void Settled_money_never_goes_back_to_failed_or_paying()
    {
        foreach (var from in new[] { OrderStatus.Settled, OrderStatus.PartiallyRefunded, OrderStatus.Refunded })
        {
            Assert.False(OrderTransitions.CanMove(from, OrderStatus.Failed));
            Assert.False(OrderTransitions.CanMove(from, OrderStatus.Paying));
            Assert.False(OrderTransitions.CanMove(from, OrderStatus.Cancelled));
        }
    }

    [Fact]
    public void An_undefined_status_cannot_move_and_cannot_be_reached()
    {
        var undefined = (OrderStatus)99;

        Assert.False(OrderTransitions.CanMove(undefined, OrderStatus.Paying));
        Assert.False(OrderTransitions.CanMove(OrderStatus.Created, undefined));
        Assert.Throws<InvalidOperationException>(() => OrderTransitions.EnsureCanMove(OrderStatus.Paying, undefined));
    }
}
