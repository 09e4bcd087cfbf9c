using System.Globalization;
using System.Text;
using MedPay.Contracts;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedPay.Api.Console;

/// <summary>Today's figures across merchants, from the orders' own listings, with a chart drawn here as SVG (no script).</summary>
public sealed class TodayModel(IGrainFactory grains, TimeProvider time) : PageModel
{
    private const int MaxOrders = 5_000;
    private Dictionary<string, int> _counts = [];

    public string Day { get; private set; } = "";

    public int ReviewCount { get; private set; }

    public int MerchantCount { get; private set; }

    public int Scanned { get; private set; }

    public bool Truncated { get; private set; }

    public long SettledFen { get; private set; }

    public string ChartSvg { get; private set; } = "";

    public int Count(string status) => _counts.GetValueOrDefault(status);

    public async Task OnGetAsync()
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        ReviewCount = (await grains.GetGrain<IReviewQueueGrain>(0).ListAsync(1000)).Count;
        var merchants = await grains.GetGrain<IMerchantRegistryGrain>(0).ListAsync();
        MerchantCount = merchants.Length;
        var orders = new List<OrderSummary>();
        var query = grains.GetGrain<IOrderQueryGrain>(0);
        foreach (var merchant in merchants)
        {
            string? token = null;
            do
            {
                var page = await query.ListForMerchantAsync(merchant, day, null, token, 100);
                orders.AddRange(page.Orders);
                token = page.NextPageToken;
            }
            while (token is not null && orders.Count < MaxOrders);

            if (orders.Count >= MaxOrders)
            {
                Truncated = true;
                break;
            }
        }

        Scanned = orders.Count;
        _counts = orders.GroupBy(o => WireNames.Of(o.Status)).ToDictionary(g => g.Key, g => g.Count());
        SettledFen = orders.Where(o => o.Status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded).Sum(o => o.TotalFen);
        ChartSvg = Chart(orders, now);
    }

    /// <summary>Stacked bars: one a minute for the last 60, settled / failed / review or pending.</summary>
    public static string Chart(IReadOnlyList<OrderSummary> orders, DateTimeOffset now)
    {
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var buckets = new int[60, 3];
        foreach (var o in orders)
        {
            var kind = o.Status switch
            {
                OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded => 0,
                OrderStatus.Failed => 1,
                OrderStatus.ManualReview or OrderStatus.Paying => 2,
                _ => -1,
            };
            var minute = 59 - (int)Math.Floor((end - o.UpdatedAt).TotalMinutes);
            if (kind >= 0 && minute is >= 0 and < 60)
            {
                buckets[minute, kind]++;
            }
        }

        var max = Math.Max(1, Enumerable.Range(0, 60).Max(m => buckets[m, 0] + buckets[m, 1] + buckets[m, 2]));
        const int width = 720, height = 180, left = 36, bottom = 20;
        const double step = (width - left) / 60.0, barWidth = step - 2;
        var plot = height - bottom - 8;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" id=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Payment outcomes per minute\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" class=\"axis\">{max}</text><text x=\"0\" y=\"{height - bottom}\" class=\"axis\">0</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left - 4}\" y1=\"{height - bottom}\" x2=\"{width}\" y2=\"{height - bottom}\" class=\"base\"/>");
        string[] classes = ["ok", "bad", "warn"];
        for (var m = 0; m < 60; m++)
        {
            var x = left + m * step;
            double y = height - bottom;
            for (var k = 0; k < 3; k++)
            {
                if (buckets[m, k] == 0)
                {
                    continue;
                }

                var h = plot * buckets[m, k] / (double)max;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{barWidth:F1}\" height=\"{h:F1}\" class=\"{classes[k]}\"><title>{end.AddMinutes(m - 60):HH:mm}: {buckets[m, k]} {classes[k]}</title></rect>");
            }
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 4}\" class=\"axis\">{end.AddMinutes(-60):HH:mm}</text><text x=\"{width - 40}\" y=\"{height - 4}\" class=\"axis\">{end:HH:mm}</text></svg>");
        return svg.ToString();
    }
}
