using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MedPay.Grains.Notifications;

namespace MedPay.UnitTests;

/// <summary>Merchants verify notifications with their own code, so the signature format is a contract, not a detail.</summary>
public sealed class CallbackSignatureTests
{
    private const string Secret = "whsec_test_2f0c9a";
    private const long Timestamp = 1_764_115_200;
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"eventId":"evt-1","type":"order.settled","orderId":"pharmacy-7~RX-1"}""");
    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    [Fact]
    public void Sign_is_v1_and_lowercase_hex_hmac_sha256_over_timestamp_dot_body()
    {
        var message = Encoding.UTF8.GetBytes(Timestamp.ToString(CultureInfo.InvariantCulture) + ".").Concat(Body).ToArray();
        var expected = "v1=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), message)).ToLowerInvariant();

        Assert.Equal(expected, CallbackSignature.Sign(Secret, Timestamp, Body));
    }

    [Fact]
    public void Sign_keys_with_the_utf8_of_the_secret_and_signs_raw_body_bytes()
    {
        const string secret = "密钥-ключ";
        byte[] body = [0xEF, 0xBB, 0xBF, 0x7B, 0x7D, 0x00, 0xFF];
        byte[] message = [.. "7."u8, .. body];
        var expected = "v1=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message)).ToLowerInvariant();

        Assert.Equal(expected, CallbackSignature.Sign(secret, 7, body));
    }

    [Fact]
    public void Sign_refuses_an_empty_secret()
    {
        Assert.Throws<ArgumentException>(() => CallbackSignature.Sign("", Timestamp, Body));
    }

    [Fact]
    public void A_signed_body_verifies()
    {
        var signature = CallbackSignature.Sign(Secret, Timestamp, Body);

        Assert.True(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt, Tolerance));
        Assert.True(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddSeconds(299), Tolerance));
        Assert.True(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddSeconds(-299), Tolerance));
        Assert.True(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddMinutes(5), Tolerance));
    }

    [Fact]
    public void Any_change_to_body_timestamp_signature_or_secret_fails()
    {
        var signature = CallbackSignature.Sign(Secret, Timestamp, Body);
        var body = (byte[])Body.Clone();
        body[^2] ^= 0x01;
        var flipped = signature[..^1] + (signature[^1] == '0' ? '1' : '0');

        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, body, SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, [.. Body, (byte)' '], SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, [], SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp + 1), signature, Body, SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), flipped, Body, SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret + "x", Ts(Timestamp), signature, Body, SentAt, Tolerance));
        Assert.False(CallbackSignature.Verify("", Ts(Timestamp), signature, Body, SentAt, Tolerance));
    }

    [Fact]
    public void A_timestamp_outside_the_tolerance_fails_even_with_a_valid_signature()
    {
        var signature = CallbackSignature.Sign(Secret, Timestamp, Body);

        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddMinutes(5).AddSeconds(1), Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddMinutes(-5).AddSeconds(-1), Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, Ts(Timestamp), signature, Body, SentAt.AddDays(1), Tolerance));
    }

    public static TheoryData<string?, string?> MalformedHeaders
    {
        get
        {
            var good = CallbackSignature.Sign(Secret, Timestamp, Body);
            var ts = Ts(Timestamp);
            return new()
            {
                { null, good },
                { ts, null },
                { "", good },
                { ts, "" },
                { "abc", good },
                { ts, "abc" },
                { ts, "v1=zz" },
                { ts, "v1=" + new string('z', 64) },
                { ts, "v1=" },
                { ts, good["v1=".Length..] },
                { ts, "v2=" + good["v1=".Length..] },
                { ts, "V1=" + good["v1=".Length..] },
                { ts, " " + good },
                { ts, good + " " },
                { ts, good + "00" },
                { ts, good[..^2] },
                { ts, good + "," + good },
                { " " + ts, good },
                { "+" + ts, good },
                { "-" + ts, good },
                { ts + ".0", good },
                { "1e9", good },
                { "99999999999999999999999", good },
                { long.MaxValue.ToString(CultureInfo.InvariantCulture), good },
                { "253402300800", good },
            };
        }
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Malformed_headers_fail_without_throwing(string? timestamp, string? signature)
    {
        Assert.False(CallbackSignature.Verify(Secret, timestamp, signature, Body, SentAt, Tolerance));
    }

    [Fact]
    public void Verify_works_at_the_edges_of_time_without_throwing()
    {
        var signature = CallbackSignature.Sign(Secret, 0, Body);

        Assert.True(CallbackSignature.Verify(Secret, "0", signature, Body, DateTimeOffset.UnixEpoch, Tolerance));
        Assert.False(CallbackSignature.Verify(Secret, "0", signature, Body, DateTimeOffset.MaxValue, Tolerance));
        Assert.True(CallbackSignature.Verify(Secret, "0", signature, Body, DateTimeOffset.MaxValue, TimeSpan.MaxValue));
        Assert.False(CallbackSignature.Verify(Secret, "0", signature, Body, DateTimeOffset.MinValue, Tolerance));
    }

    [Fact]
    public void Backoff_doubles_from_the_first_delay_within_twenty_percent()
    {
        var random = new Random(42);
        var first = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromHours(1);

        for (var attempts = 1; attempts <= 8; attempts++)
        {
            var nominal = first * Math.Pow(2, attempts - 1);
            for (var i = 0; i < 200; i++)
            {
                var delay = CallbackBackoff.After(attempts, first, max, random);
                Assert.InRange(delay, nominal * 0.8, nominal * 1.2);
            }
        }
    }

    [Fact]
    public void Backoff_grows_with_attempts_even_with_the_worst_jitter()
    {
        var first = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromDays(1);
        var low = new FixedRandom(0.0);
        var high = new FixedRandom(0.999999);

        for (var attempts = 1; attempts < 10; attempts++)
            Assert.True(CallbackBackoff.After(attempts + 1, first, max, low) > CallbackBackoff.After(attempts, first, max, high));
    }

    [Fact]
    public void Backoff_is_capped_at_max_and_keeps_its_spread_there()
    {
        var random = new Random(7);
        var first = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromMinutes(10);

        var capped = Enumerable.Range(0, 2_000).Select(_ => CallbackBackoff.After(40, first, max, random)).ToList();

        Assert.All(capped, d => Assert.InRange(d, max * 0.8, max));
        Assert.True(capped.Distinct().Count() > 1_000, "jitter still spreads delays at the cap");
        Assert.InRange(CallbackBackoff.After(int.MaxValue, first, max, random), max * 0.8, max);
        Assert.Equal(TimeSpan.MaxValue, CallbackBackoff.After(int.MaxValue, TimeSpan.FromDays(1), TimeSpan.MaxValue, new FixedRandom(0.5)));
    }

    [Fact]
    public void Backoff_jitter_covers_both_directions()
    {
        var random = new Random(1);
        var first = TimeSpan.FromSeconds(100);

        var delays = Enumerable.Range(0, 2_000).Select(_ => CallbackBackoff.After(1, first, TimeSpan.FromHours(1), random)).ToList();

        Assert.True(delays.Min() < first * 0.85);
        Assert.True(delays.Max() > first * 1.15);
    }

    [Fact]
    public void Backoff_refuses_attempts_below_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CallbackBackoff.After(0, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), new Random(1)));
    }

    private static string Ts(long unixSeconds) => unixSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>Pins the jitter to an extreme so the bounds are tested exactly, not by chance.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;

        protected override double Sample() => value;
    }
}
