using System.Collections.Immutable;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class OrderRulesTests
{
    private static OrderItem Item(string code = "DRUG-001", long price = 1_250, int quantity = 2, ItemCategory category = ItemCategory.A, string name = "Amoxicillin 0.25g x 24") =>
        new(code, name, category, price, quantity);

    private static CreateOrderCommand Order(params OrderItem[] items) =>
        new("pharmacy_01", "2025.06.01-0001", "user-42", items.Length == 0 ? [Item()] : [.. items]);

    private static void AssertFails(CreateOrderCommand command, string code)
    {
        var result = OrderRules.Validate(command);

        Assert.False(result.IsOk, $"expected {code}, got a total of {result.Value}");
        Assert.Equal(code, result.Error!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Fact]
    public void A_good_order_validates_to_its_total()
    {
        var command = Order(
            Item("A1", 1_250, 2, ItemCategory.A),
            Item("B1", 3_300, 1, ItemCategory.B),
            Item("C1", 999, 3, ItemCategory.C));

        var result = OrderRules.Validate(command);

        Assert.True(result.IsOk);
        Assert.Null(result.Error);
        Assert.Equal(8_797, result.Value);
    }

    [Fact]
    public void A_free_item_is_fine_when_the_order_total_is_positive()
    {
        var result = OrderRules.Validate(Order(Item("FREE", 0, 1), Item("PAID", 1, 1)));

        Assert.True(result.IsOk);
        Assert.Equal(1, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("pharmacy 01")]
    [InlineData("pharmacy~01")]
    [InlineData("pharmacy.01")] // dots are only for merchant order numbers
    [InlineData("药房")]
    [InlineData("m/1")]
    public void A_bad_merchant_id_is_refused(string merchantId)
    {
        AssertFails(Order() with { MerchantId = merchantId }, ErrorCodes.InvalidMerchantId);
    }

    [Fact]
    public void A_merchant_id_longer_than_64_characters_is_refused()
    {
        AssertFails(Order() with { MerchantId = new string('m', 65) }, ErrorCodes.InvalidMerchantId);
        Assert.True(OrderRules.Validate(Order() with { MerchantId = new string('m', 64) }).IsOk);
    }

    [Fact]
    public void A_null_merchant_id_is_refused()
    {
        AssertFails(Order() with { MerchantId = null! }, ErrorCodes.InvalidMerchantId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no 1")]
    [InlineData("no~1")]
    [InlineData("no/1")]
    [InlineData("no#1")]
    public void A_bad_merchant_order_number_is_refused(string merchantOrderNo)
    {
        AssertFails(Order() with { MerchantOrderNo = merchantOrderNo }, ErrorCodes.InvalidMerchantOrderNo);
    }

    [Fact]
    public void A_merchant_order_number_longer_than_64_characters_is_refused()
    {
        AssertFails(Order() with { MerchantOrderNo = new string('1', 65) }, ErrorCodes.InvalidMerchantOrderNo);
    }

    [Theory]
    [InlineData("2025.06.01-0001")]
    [InlineData("A_b-C.9")]
    [InlineData("1")]
    public void A_merchant_order_number_may_contain_dots_dashes_and_underscores(string merchantOrderNo)
    {
        Assert.True(OrderRules.Validate(Order() with { MerchantOrderNo = merchantOrderNo }).IsOk);
    }

    [Theory]
    [InlineData("")]
    [InlineData("user 42")]
    [InlineData("user.42")]
    [InlineData("user~42")]
    public void A_bad_user_id_is_refused(string userId)
    {
        AssertFails(Order() with { UserId = userId }, ErrorCodes.InvalidUserId);
    }

    [Fact]
    public void A_user_id_longer_than_64_characters_is_refused()
    {
        AssertFails(Order() with { UserId = new string('u', 65) }, ErrorCodes.InvalidUserId);
    }

    [Fact]
    public void An_order_without_items_is_refused()
    {
        AssertFails(Order() with { Items = ImmutableArray<OrderItem>.Empty }, ErrorCodes.EmptyItems);
        AssertFails(Order() with { Items = default }, ErrorCodes.EmptyItems);
    }

    [Fact]
    public void An_order_with_more_than_the_maximum_number_of_items_is_refused()
    {
        var items = Enumerable.Range(0, OrderRules.MaxItems + 1).Select(i => Item($"X{i}", 1, 1)).ToArray();

        AssertFails(Order(items), ErrorCodes.TooManyItems);
    }

    [Fact]
    public void An_order_with_exactly_the_maximum_number_of_items_is_fine()
    {
        var items = Enumerable.Range(0, OrderRules.MaxItems).Select(i => Item($"X{i}", 1, 1)).ToArray();

        var result = OrderRules.Validate(Order(items));

        Assert.True(result.IsOk);
        Assert.Equal(OrderRules.MaxItems, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t")]
    public void An_item_with_a_blank_code_is_refused(string code)
    {
        AssertFails(Order(Item(code: code)), ErrorCodes.InvalidItem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_item_with_a_blank_name_is_refused(string name)
    {
        AssertFails(Order(Item(name: name)), ErrorCodes.InvalidItem);
    }

    [Fact]
    public void Item_code_and_name_lengths_are_limited()
    {
        AssertFails(Order(Item(code: new string('c', 65))), ErrorCodes.InvalidItem);
        AssertFails(Order(Item(name: new string('n', 201))), ErrorCodes.InvalidItem);
        Assert.True(OrderRules.Validate(Order(Item(code: new string('c', 64), name: new string('n', 200)))).IsOk);
    }

    [Fact]
    public void The_failing_item_is_named_in_the_message()
    {
        var result = OrderRules.Validate(Order(Item(), Item(code: " ")));

        Assert.Equal(ErrorCodes.InvalidItem, result.Error!.Code);
        Assert.Contains("items[1]", result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(3)]
    [InlineData(-1)]
    public void An_undefined_category_is_refused_as_unknown_category(int category)
    {
        AssertFails(Order(Item(category: (ItemCategory)category)), ErrorCodes.UnknownCategory);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void A_negative_price_is_refused(long price)
    {
        AssertFails(Order(Item(price: price)), ErrorCodes.InvalidPrice);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(OrderRules.MaxQuantity + 1)]
    [InlineData(int.MaxValue)]
    public void A_quantity_outside_1_to_the_maximum_is_refused(int quantity)
    {
        AssertFails(Order(Item(quantity: quantity)), ErrorCodes.InvalidQuantity);
    }

    [Fact]
    public void The_maximum_quantity_is_allowed()
    {
        var result = OrderRules.Validate(Order(Item(price: 3, quantity: OrderRules.MaxQuantity)));

        Assert.Equal(300_000, result.Value);
    }

    [Fact]
    public void A_line_that_overflows_a_long_is_refused_as_amount_overflow()
    {
        AssertFails(Order(Item(price: long.MaxValue, quantity: 2)), ErrorCodes.AmountOverflow);
    }

    [Fact]
    public void Lines_whose_sum_overflows_a_long_are_refused_as_amount_overflow()
    {
        AssertFails(Order(Item(price: long.MaxValue), Item(code: "B", price: 1, category: ItemCategory.B)), ErrorCodes.AmountOverflow);
    }

    [Fact]
    public void A_total_above_the_maximum_is_refused_as_amount_overflow()
    {
        AssertFails(Order(Item(price: OrderRules.MaxTotalFen, quantity: 1), Item(code: "ONE", price: 1, quantity: 1)), ErrorCodes.AmountOverflow);
        AssertFails(Order(Item(price: OrderRules.MaxTotalFen + 1, quantity: 1)), ErrorCodes.AmountOverflow);
    }

    [Fact]
    public void A_total_of_exactly_the_maximum_is_allowed()
    {
        var result = OrderRules.Validate(Order(Item(price: OrderRules.MaxTotalFen / 2, quantity: 2)));

        Assert.Equal(OrderRules.MaxTotalFen, result.Value);
    }

    [Fact]
    public void A_zero_total_is_refused_as_invalid_price()
    {
        AssertFails(Order(Item(price: 0, quantity: 3), Item(code: "Z", price: 0, quantity: 1, category: ItemCategory.C)), ErrorCodes.InvalidPrice);
    }

    [Fact]
    public void Identifiers_are_checked_before_items()
    {
        AssertFails(Order(Item(price: -1)) with { MerchantId = "" }, ErrorCodes.InvalidMerchantId);
    }

    [Fact]
    public void IsId_accepts_letters_digits_underscore_and_dash_and_dots_only_when_asked()
    {
        Assert.True(OrderRules.IsId("Abc_1-2"));
        Assert.False(OrderRules.IsId("a.b"));
        Assert.True(OrderRules.IsId("a.b", allowDot: true));
        Assert.False(OrderRules.IsId(null));
        Assert.False(OrderRules.IsId(""));
        Assert.False(OrderRules.IsId("a" + OrderIds.Separator + "b", allowDot: true));
    }

    [Fact]
    public void SameContent_is_true_for_equal_content_in_different_arrays()
    {
        var a = Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B));
        var b = Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B));

        Assert.NotSame(a, b);
        Assert.True(OrderRules.SameContent(a, b));
        Assert.True(OrderRules.SameContent(b, a));
    }

    [Fact]
    public void SameContent_is_false_when_an_item_changes()
    {
        var original = Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B));

        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 101, 1), Item("B1", 200, 2, ItemCategory.B))));
        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 100, 2), Item("B1", 200, 2, ItemCategory.B))));
        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.C))));
        Assert.False(OrderRules.SameContent(original, Order(Item("A2", 100, 1), Item("B1", 200, 2, ItemCategory.B))));
        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B, name: "other"))));
    }

    [Fact]
    public void SameContent_is_false_when_an_item_is_added_or_removed()
    {
        var original = Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B));

        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 100, 1))));
        Assert.False(OrderRules.SameContent(original, Order(Item("A1", 100, 1), Item("B1", 200, 2, ItemCategory.B), Item("C1", 1, 1))));
    }

    [Fact]
    public void SameContent_is_false_when_the_merchant_order_number_or_user_differs()
    {
        var original = Order();

        Assert.False(OrderRules.SameContent(original, original with { UserId = "user-43" }));
        Assert.False(OrderRules.SameContent(original, original with { MerchantId = "pharmacy_02" }));
        Assert.False(OrderRules.SameContent(original, original with { MerchantOrderNo = "2025.06.01-0002" }));
    }
}
