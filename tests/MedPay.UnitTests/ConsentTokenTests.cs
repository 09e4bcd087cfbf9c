using System.Security.Cryptography;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class ConsentTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 15, 250, TimeSpan.Zero);

    [Fact]
    public void A_code_carries_its_claims_to_the_second()
    {
        var (code, expiresAt) = ConsentToken.Issue(Key, "u-1", "pharmacy-7", "RX-1", 123_456, Now, 15);

        Assert.Equal(ConsentToken.Length, code.Length);
        Assert.Matches("^AC[A-HJ-NP-Z2-9]{80}$", code);
        var claims = ConsentToken.Read(Key, "u-1", code)!;
        Assert.Equal(Now.AddMilliseconds(-250), claims.IssuedAt);
        Assert.Equal(claims.IssuedAt.AddMinutes(15), claims.ExpiresAt);
        Assert.Equal(expiresAt, claims.ExpiresAt);
        Assert.Equal(123_456, claims.MaxAmountFen);
        Assert.True(claims.IsFor("pharmacy-7"));
        Assert.False(claims.IsFor("pharmacy-8"));
        Assert.True(claims.Allows("RX-1"));
        Assert.False(claims.Allows("RX-2"));
    }

    [Fact]
    public void A_code_without_an_order_number_allows_any_order_of_its_merchant_only()
    {
        var (code, _) = ConsentToken.Issue(Key, "u-1", "pharmacy-7", null, 10_000_000_000, Now, 60);

        var claims = ConsentToken.Read(Key, "u-1", code)!;
        Assert.Null(claims.OrderHash);
        Assert.True(claims.Allows("anything"));
        Assert.False(claims.IsFor("pharmacy-77"));
        Assert.Equal(10_000_000_000, claims.MaxAmountFen);
    }

    [Fact]
    public void Two_codes_for_the_same_consent_in_the_same_second_differ()
    {
        Assert.NotEqual(
            ConsentToken.Issue(Key, "u-1", "m", "o", 1, Now, 1).Code,
            ConsentToken.Issue(Key, "u-1", "m", "o", 1, Now, 1).Code);
    }

    [Fact]
    public void Another_user_another_key_or_any_changed_character_makes_the_code_unknown()
    {
        var (code, _) = ConsentToken.Issue(Key, "u-1", "pharmacy-7", "RX-1", 5_000, Now, 5);

        Assert.Null(ConsentToken.Read(Key, "u-2", code));
        Assert.Null(ConsentToken.Read(RandomNumberGenerator.GetBytes(32), "u-1", code));
        Assert.Null(ConsentToken.Read(Key, "u-1", code.ToLowerInvariant()));
        for (var i = 2; i < code.Length; i++)
        {
            var changed = code.ToCharArray();
            changed[i] = changed[i] == 'A' ? 'B' : 'A';
            Assert.Null(ConsentToken.Read(Key, "u-1", new string(changed)));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AC")]
    [InlineData("ACNOSUCHCODE23456789ABCDEF")]
    [InlineData("XY2345678923456789234567892345678923456789234567892345678923456789234567892345678923")]
    public void Malformed_codes_are_unknown(string? code) => Assert.Null(ConsentToken.Read(Key, "u-1", code));

    [Fact]
    public void An_amount_cap_or_validity_beyond_what_the_code_holds_is_refused_at_issue()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsentToken.Issue(Key, "u", "m", null, 1L << 48, Now, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsentToken.Issue(Key, "u", "m", null, 1, Now, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsentToken.Issue(Key, "u", "m", null, 1, Now, 256));
    }
}
