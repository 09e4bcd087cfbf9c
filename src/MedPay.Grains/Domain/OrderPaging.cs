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
