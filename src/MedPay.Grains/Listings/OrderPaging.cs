using System.Buffers.Text;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>
/// Sorting, filtering and keyset paging of order lines, newest first. A page token is the position of the last line
/// returned (its creation time and order id, a total order), not an offset, so orders created between two pages
/// neither repeat nor push lines out of the next page.
/// </summary>
public static class OrderPaging
{
    public const int MaxPageSize = 100;

    /// <summary>Tokens we issue are well under this; anything longer is refused before it is decoded.</summary>
    private const int MaxTokenLength = 256;

    public static OrderPage Page(IEnumerable<OrderSummary> orders, OrderStatus? status, string? token, int pageSize)
    {
        var after = string.IsNullOrEmpty(token) ? ((long Ticks, string OrderId)?)null : DecodeToken(token);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var candidates = NewestFirst(Latest(orders))
            .Where(o => status is null || o.Status == status)
            .Where(o => after is not { } a || IsAfter(o, a.Ticks, a.OrderId))
            .Take(size + 1)
            .ToList();
        var page = candidates.Take(size).ToImmutableArray();
        return new OrderPage(page, candidates.Count > size ? EncodeToken(page[^1]) : null);
    }

    /// <summary>
    /// A page of <paramref name="lines"/> (what the indexes hold, fixed at creation) answered with each order's live line.
    /// The candidates after the token are taken newest first, in batches, and <paramref name="live"/> reads each batch's
    /// current lines (same order and count; null for an order that cannot be read, which is then shown with its index
    /// line rather than dropped). The status filter applies to the live status, and it stops as soon as the page and one
    /// more line (which says whether there is a next page) are found: a page costs about its size in order reads, not
    /// the whole index. The token is the same keyset position as <see cref="Page"/>'s, so a line keeps its place whatever
    /// its status does between pages.
    /// </summary>
    /// <param name="batch">How many lines to read at least in one go when a filter may skip some (without a filter, exactly what is still needed).</param>
    public static async Task<OrderPage> PageAsync(
        IEnumerable<OrderSummary> lines,
        OrderStatus? status,
        string? token,
        int pageSize,
        Func<IReadOnlyList<OrderSummary>, Task<IReadOnlyList<OrderSummary?>>> live,
        int batch = 32)
    {
        var after = string.IsNullOrEmpty(token) ? ((long Ticks, string OrderId)?)null : DecodeToken(token);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var candidates = NewestFirst(Latest(lines))
            .Where(o => after is not { } a || IsAfter(o, a.Ticks, a.OrderId))
            .ToList();
        var found = new List<OrderSummary>(size + 1);
        var next = 0;
        while (found.Count <= size && next < candidates.Count)
        {
            var needed = size + 1 - found.Count;
            var take = Math.Min(candidates.Count - next, status is null ? needed : Math.Max(needed, batch));
            var read = candidates.GetRange(next, take);
            next += take;
            var current = await live(read);
            if (current.Count != read.Count)
            {
                throw new InvalidOperationException($"{current.Count} live lines were read for {read.Count} lines.");
            }

            for (var i = 0; i < read.Count && found.Count <= size; i++)
            {
                var line = WithLive(read[i], current[i]);
                if (status is null || line.Status == status)
                {
                    found.Add(line);
                }
            }
        }

        var page = found.Take(size).ToImmutableArray();
        return new OrderPage(page, found.Count > size ? EncodeToken(page[^1]) : null);
    }

    /// <summary>
    /// The index line with what changes after creation taken from the order's live line; its keys (order id, creation
    /// time) and what is fixed at creation stay the index's, so paging is exact. The line as indexed when there is no live one.
    /// </summary>
    public static OrderSummary WithLive(OrderSummary line, OrderSummary? live) =>
        live is null || live.OrderId != line.OrderId
            ? line
            : line with { Status = live.Status, Split = live.Split, RefundedFen = live.RefundedFen, UpdatedAt = live.UpdatedAt };

    /// <summary>One line per order (the newest <see cref="OrderSummary.UpdatedAt"/>), so keys are unique and paging is exact.</summary>
    public static IEnumerable<OrderSummary> Latest(IEnumerable<OrderSummary> orders) =>
        orders.GroupBy(o => o.OrderId, StringComparer.Ordinal).Select(g => g.MaxBy(o => o.UpdatedAt)!);

    /// <summary>Newest first by creation time, then by order id descending: a total order over distinct orders.</summary>
    public static IEnumerable<OrderSummary> NewestFirst(IEnumerable<OrderSummary> orders) =>
        orders.OrderByDescending(o => o.CreatedAt.UtcTicks).ThenByDescending(o => o.OrderId, StringComparer.Ordinal);

    public static string EncodeToken(OrderSummary last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}|{last.OrderId}")));

    /// <summary>The position a token stands for; <see cref="ArgumentException"/> for anything we did not issue.</summary>
    public static (long Ticks, string OrderId) DecodeToken(string token)
    {
        if (token.Length > MaxTokenLength || !Base64Url.IsValid(token))
        {
            throw Malformed();
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw Malformed();
        }

        var bar = text.IndexOf('|');
        if (bar <= 0
            || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !OrderIds.TryParse(text[(bar + 1)..], out _, out _))
        {
            throw Malformed();
        }

        return (ticks, text[(bar + 1)..]);
    }

    private static bool IsAfter(OrderSummary order, long ticks, string orderId) =>
        order.CreatedAt.UtcTicks < ticks || (order.CreatedAt.UtcTicks == ticks && string.CompareOrdinal(order.OrderId, orderId) < 0);

    /// <summary>No parameter name: Orleans does not carry it across a grain call, it would only add "(Parameter …)" to the message.</summary>
    private static ArgumentException Malformed() =>
        new("The page token is malformed: pass back the nextPageToken of the previous page unchanged.");
}
