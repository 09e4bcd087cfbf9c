using System.Security.Cryptography;
using System.Text;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.UnitTests;

public sealed class NationalIdTests
{
    /// <summary>A well-known GB 11643 example: Beijing Chaoyang (110105), born 1949-12-31, sequence 002, check character X.</summary>
    private const string KnownValid = "11010519491231002X";

    private static string WithCheck(string first17) => first17 + NationalId.CheckCharacter(first17);

    [Fact]
    public void The_published_example_is_valid_and_its_check_character_is_X()
    {
        Assert.Equal('X', NationalId.CheckCharacter("11010519491231002"));
        Assert.Null(NationalId.Validate(KnownValid));
    }

    [Fact]
    public void A_lowercase_x_check_character_is_accepted()
    {
        Assert.Null(NationalId.Validate("11010519491231002x"));
    }

    [Theory]
    [InlineData("33010619900307123")]
    [InlineData("31010120000229456")] // 29 February of a leap year
    [InlineData("44030019000101001")] // the earliest accepted year
    [InlineData("51010719851031999")]
    [InlineData("65010220231231000")]
    public void An_id_with_a_real_birth_date_and_the_right_check_character_is_valid(string first17)
    {
        Assert.Null(NationalId.Validate(WithCheck(first17)));
    }

    [Fact]
    public void Check_characters_cover_digits_and_X()
    {
        // Walk the sequence number until every one of the 11 possible check characters has been produced.
        var seen = new HashSet<char>();
        for (var sequence = 0; sequence < 1000 && seen.Count < 11; sequence++)
        {
            var id = WithCheck($"33010619900307{sequence:D3}");
            Assert.Null(NationalId.Validate(id));
            seen.Add(id[17]);
        }

        Assert.Equal("0123456789X", string.Concat(seen.Order()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("11010519491231002")] // 17
    [InlineData("11010519491231002X0")] // 19
    [InlineData("110105491231002")] // the old 15-digit form
    public void An_id_that_is_not_18_characters_long_is_refused(string? nationalId)
    {
        AssertInvalid(nationalId);
    }

    [Theory]
    [InlineData("1101051949123100AX")]
    [InlineData("A1010519491231002X")]
    [InlineData("110105 9491231002X")]
    [InlineData("110105-9491231002X")]
    [InlineData("１10105194912310022")] // a full-width digit is not an ASCII digit
    [InlineData("X10105194912310022")]
    public void An_id_with_a_non_digit_in_the_first_17_characters_is_refused(string nationalId)
    {
        AssertInvalid(nationalId);
    }

    [Theory]
    [InlineData("19491301")] // month 13
    [InlineData("19490001")] // month 0
    [InlineData("20000230")] // 30 February
    [InlineData("19990229")] // 29 February of a common year
    [InlineData("19000229")] // 1900 was not a leap year
    [InlineData("19490431")] // 31 April
    [InlineData("19491200")] // day 0
    [InlineData("19491232")] // day 32
    [InlineData("18991231")] // before 1900
    [InlineData("00000101")] // year 0
    [InlineData("20991231")] // not born yet
    public void An_id_with_an_impossible_birth_date_is_refused_even_with_a_correct_check_character(string birthDate)
    {
        AssertInvalid(WithCheck("110105" + birthDate + "002"));
    }

    [Fact]
    public void An_id_with_a_wrong_check_character_is_refused()
    {
        const string first17 = "33010619900307123";
        var right = NationalId.CheckCharacter(first17);
        foreach (var wrong in "0123456789XxY*")
        {
            if (char.ToUpperInvariant(wrong) != right)
            {
                AssertInvalid(first17 + wrong);
            }
        }
    }

    [Fact]
    public void The_known_example_with_a_digit_instead_of_X_is_refused()
    {
        AssertInvalid("110105194912310020");
        AssertInvalid("110105194912310021");
    }

    [Fact]
    public void Swapping_two_digits_breaks_the_check_character()
    {
        // 1949 -> 1994 is still a real date, only the check character catches it.
        AssertInvalid("11010519941231002X");
    }

    private static IdentityProtector Protector(string? lookupKey = null) => new(new IdentityOptions
    {
        EncryptionKeyId = "k1",
        EncryptionKey = Convert.ToBase64String(new byte[32]),
        LookupKey = lookupKey ?? IdentityOptions.DevelopmentLookupKey,
    });

    [Fact]
    public void Mask_shows_the_first_and_the_last_character_only()
    {
        var masked = NationalId.Mask(KnownValid);

        Assert.Equal("1****************X", masked);
        Assert.Equal(18, masked.Length);
        Assert.Equal("1****************X", NationalId.Mask("11010519491231002x"));
    }

    [Theory]
    [InlineData("11010519491231002X", "19491231")]
    [InlineData("33010619900307123", "19900307")]
    [InlineData("31010120000229456", "20000229")]
    public void Mask_never_shows_the_birth_date_or_the_sequence(string id, string birthDate)
    {
        var nationalId = id.Length == 18 ? id : WithCheck(id);
        var masked = NationalId.Mask(nationalId);

        Assert.DoesNotContain(birthDate[2..], masked, StringComparison.Ordinal);
        Assert.Equal(new string('*', 16), masked[1..17]);
        Assert.Equal(nationalId[0], masked[0]);
        Assert.Equal(nationalId[17], masked[17]);
    }

    [Fact]
    public void Lookup_is_stable_and_does_not_depend_on_the_case_of_the_check_character()
    {
        var protector = Protector();
        var first = NationalId.Lookup(KnownValid, protector);

        Assert.Equal(first, NationalId.Lookup(string.Concat(KnownValid.AsSpan(0, 9), KnownValid.AsSpan(9)), protector));
        Assert.Equal(first, NationalId.Lookup("11010519491231002x", protector));
        Assert.Equal(64, first.Length);
        Assert.True(first.All(char.IsAsciiHexDigitLower));
    }

    [Fact]
    public void Lookup_is_keyed_the_same_id_under_another_key_gives_another_lookup()
    {
        var other = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        Assert.NotEqual(NationalId.Lookup(KnownValid, Protector()), NationalId.Lookup(KnownValid, Protector(other)));
    }

    [Fact]
    public void Lookup_is_not_an_unkeyed_hash_of_the_id()
    {
        var lookup = NationalId.Lookup(KnownValid, Protector());
        foreach (var text in new[] { KnownValid, "medpay.nid:" + KnownValid })
        {
            Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), lookup);
        }
    }

    [Fact]
    public void Lookup_differs_between_ids()
    {
        var protector = Protector();
        var ids = Enumerable.Range(0, 200).Select(sequence => WithCheck($"33010619900307{sequence:D3}")).ToList();
        ids.Add(KnownValid);

        Assert.Equal(ids.Count, ids.Select(id => NationalId.Lookup(id, protector)).ToHashSet(StringComparer.Ordinal).Count);
    }

    [Fact]
    public void City_code_is_the_first_four_digits_and_00()
    {
        Assert.Equal("330100", NationalId.CityCode("330106199003079870"));
        Assert.Equal("310100", NationalId.CityCode("310101200002294561"));
    }

    private static void AssertInvalid(string? nationalId)
    {
        var failure = NationalId.Validate(nationalId);
        Assert.NotNull(failure);
        Assert.Equal(ErrorCodes.InvalidNationalId, failure.Code);
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
    }
}
