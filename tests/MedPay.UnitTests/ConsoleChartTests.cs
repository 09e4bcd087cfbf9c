using MedPay.Api.Console;
using MedPay.Contracts;

namespace MedPay.UnitTests;

public sealed class ConsoleChartTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 37, 20, TimeSpan.Zero);

    private static OrderSummary Order(OrderStatus status, DateTimeOffset at) => new("m~" + Guid.NewGuid().ToString("N"), "m", "o", "u", status, 100, null, 0, at, at);

    [Fact]
    public void Each_outcome_of_the_last_hour_is_a_bar_in_its_minute_and_older_or_unfinished_orders_are_not()
    {
        var svg = TodayModel.Chart(
        [
            Order(OrderStatus.Settled, Now.AddSeconds(-5)),
            Order(OrderStatus.Settled, Now.AddSeconds(-10)),
            Order(OrderStatus.Failed, Now.AddMinutes(-3)),
            Order(OrderStatus.ManualReview, Now.AddMinutes(-1)),
            Order(OrderStatus.Created, Now.AddMinutes(-1)),
            Order(OrderStatus.Settled, Now.AddHours(-2)),
        ], Now);

        Assert.Contains("<title>07:37: 2 ok</title>", svg);
        Assert.Contains("<title>07:34: 1 bad</title>", svg);
        Assert.Contains("<title>07:36: 1 warn</title>", svg);
        Assert.Equal(3, svg.Split("<rect").Length - 1);
        Assert.Contains(">2</text>", svg);
        // Every bar is inside the drawing, the current minute's too.
        Assert.All(System.Text.RegularExpressions.Regex.Matches(svg, "<rect x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)),
            right => Assert.True(right <= 720, $"a bar ends at {right}, beyond 720"));
    }
}
