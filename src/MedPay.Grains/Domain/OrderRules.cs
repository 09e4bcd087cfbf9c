using System.Collections.Immutable;
using MedPay.Contracts;

namespace MedPay.Grains.Domain;

/// <summary>What a well-formed order and its identifiers look like.</summary>
public static class OrderRules
{
    public const int MaxItems = 200;
    public const int MaxQuantity = 100_000;
    /// <summary>An order above 100 million yuan is refused as an overflow, long before <see cref="long"/> would overflow.</summary>
    public const long MaxTotalFen = 10_000_000_000L;

    public static bool IsId(string? value, bool allowDot = false) => Ids.IsValid(value, allowDot);

    public static Result<long> Validate(CreateOrderCommand command)
    {
        if (!IsId(command.MerchantId))
        {
            return new Failure(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (!IsId(command.MerchantOrderNo, allowDot: true))
        {
            return new Failure(ErrorCodes.InvalidMerchantOrderNo, "merchantOrderNo must be 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (!IsId(command.UserId))
        {
            return new Failure(ErrorCodes.InvalidUserId, "userId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (command.Items.IsDefaultOrEmpty)
        {
            return new Failure(ErrorCodes.EmptyItems, "An order needs at least one item.");
        }

        if (command.Items.Length > MaxItems)
        {
            return new Failure(ErrorCodes.TooManyItems, $"An order has at most {MaxItems} items.");
        }

        for (var i = 0; i < command.Items.Length; i++)
        {
            if (ValidateItem(command.Items[i], i) is { } failure)
            {
                return failure;
            }
        }

        try
        {
            var total = CategoryTotals.Of(command.Items).TotalFen;
            return total > MaxTotalFen ? new Failure(ErrorCodes.AmountOverflow, $"The order total exceeds {MaxTotalFen} fen.")
                : total == 0 ? new Failure(ErrorCodes.InvalidPrice, "The order total must be at least 1 fen.")
                : total;
        }
        catch (OverflowException)
        {
            return new Failure(ErrorCodes.AmountOverflow, "The order total overflows.");
        }
    }

    private static Failure? ValidateItem(OrderItem item, int index)
    {
        var at = $"items[{index}]";
        if (string.IsNullOrWhiteSpace(item.Code) || item.Code.Length > 64)
        {
            return new(ErrorCodes.InvalidItem, $"{at}.code must be 1 to 64 characters.");
        }

        if (string.IsNullOrWhiteSpace(item.Name) || item.Name.Length > 200)
        {
            return new(ErrorCodes.InvalidItem, $"{at}.name must be 1 to 200 characters.");
        }

        if (!Enum.IsDefined(item.Category))
        {
            return new(ErrorCodes.UnknownCategory, $"{at}.category must be A, B or C.");
        }

        if (item.UnitPriceFen < 0)
        {
            return new(ErrorCodes.InvalidPrice, $"{at}.unitPriceFen must not be negative.");
        }

        if (item.Quantity is < 1 or > MaxQuantity)
        {
            return new(ErrorCodes.InvalidQuantity, $"{at}.quantity must be 1 to {MaxQuantity}.");
        }

        return null;
    }

    /// <summary>True when two create commands describe the same order (a harmless repeat).</summary>
    public static bool SameContent(CreateOrderCommand a, CreateOrderCommand b) =>
        a.MerchantId == b.MerchantId && a.MerchantOrderNo == b.MerchantOrderNo && a.UserId == b.UserId
        && a.Items.SequenceEqual(b.Items);
}
