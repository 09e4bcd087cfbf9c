using Microsoft.Extensions.Options;
using static MedPay.Grains.OptionChecks;

namespace MedPay.Grains;

/// <summary>Unpaid orders: <c>MedPay:Orders</c>.</summary>
public sealed class OrderOptions
{
    public const string Section = "MedPay:Orders";

    /// <summary>An order not paid this long after it was created expires; anything reserved for it is released.</summary>
    public TimeSpan UnpaidExpiry { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most this many orders' lines in one segment of a merchant's daily index shard (each write rewrites a segment whole).</summary>
    public int IndexSegmentSize { get; set; } = 64;

    /// <summary>At most this many refunds (of any outcome) on one order; the next is refused with <c>too_many_refunds</c>.</summary>
    public int MaxRefundsPerOrder { get; set; } = 50;

    /// <summary>At most this many history entries on one order: the first and the latest are kept, the dropped ones counted.</summary>
    public int MaxHistoryEntries { get; set; } = 64;
}

/// <summary>The unpaid expiry and the index segment size: positive, and within bounds that make sense.</summary>
public sealed class OrderOptionsValidator : IValidateOptions<OrderOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderOptions o) => Check(
        Positive(OrderOptions.Section, "UnpaidExpiry", o.UnpaidExpiry, TimeSpan.FromDays(7)),
        Range(OrderOptions.Section, "IndexSegmentSize", o.IndexSegmentSize, 1, 10_000));
}
