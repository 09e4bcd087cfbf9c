using System.Security.Cryptography;
using System.Text;
using MedPay.Grains.Domain;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace MedPay.UnitTests;

/// <summary>National IDs and names at rest: AES-256-GCM with a key id, keyed lookups, and the keys' start-up checks.</summary>
public sealed class IdentityProtectionTests
{
    private static readonly string KeyA = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
    private static readonly string KeyB = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 11 + 1)).ToArray());
    private static readonly string Lookup = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i + 100)).ToArray());

    private static IdentityOptions Options(string keyId = "k1", string? key = null, string? lookup = null, Dictionary<string, string>? previous = null) => new()
    {
        EncryptionKeyId = keyId,
        EncryptionKey = key ?? KeyA,
        LookupKey = lookup ?? Lookup,
        PreviousEncryptionKeys = previous ?? [],
    };

    [Fact]
    public void Sealed_ids_open_again_and_hold_no_clear_text()
    {
        var protector = new IdentityProtector(Options());
        const string id = "11010519491231002X";

        var sealedValue = protector.Seal(id, "voucher/u-1/nid");

        Assert.Equal("k1", sealedValue.KeyId);
        Assert.Equal(id, protector.Unseal(sealedValue, "voucher/u-1/nid"));
        Assert.Equal(-1, sealedValue.Data.AsSpan().IndexOf(Encoding.UTF8.GetBytes("19491231")));
        Assert.NotEqual(sealedValue.Data, protector.Seal(id, "voucher/u-1/nid").Data); // a fresh nonce every time
    }

    [Fact]
    public void Every_changed_byte_another_context_or_another_key_is_refused()
    {
        var protector = new IdentityProtector(Options());
        var sealedValue = protector.Seal("11010519491231002X", "voucher/u-1/nid");

        for (var i = 0; i < sealedValue.Data.Length; i++)
        {
            var tampered = (byte[])sealedValue.Data.Clone();
            tampered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => protector.Unseal(sealedValue with { Data = tampered }, "voucher/u-1/nid"));
        }

        Assert.ThrowsAny<CryptographicException>(() => protector.Unseal(sealedValue, "voucher/u-2/nid"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unseal(sealedValue with { KeyId = "k2" }, "voucher/u-1/nid"));
        Assert.ThrowsAny<CryptographicException>(() => new IdentityProtector(Options(key: KeyB)).Unseal(sealedValue, "voucher/u-1/nid"));
    }

    [Fact]
    public void After_rotation_old_values_open_with_the_previous_key_and_new_ones_use_the_new_key()
    {
        var old = new IdentityProtector(Options("k1", KeyA)).Seal("张三", "voucher/u-1/name");
        var rotated = new IdentityProtector(Options("k2", KeyB, previous: new() { ["k1"] = KeyA }));

        Assert.Equal("张三", rotated.Unseal(old, "voucher/u-1/name"));
        Assert.Equal("k2", rotated.Seal("张三", "voucher/u-1/name").KeyId);
    }

    [Fact]
    public void Lookups_are_keyed_hmacs()
    {
        var a = new IdentityProtector(Options()).Lookup("nid", "11010519491231002X");
        var b = new IdentityProtector(Options(lookup: KeyB)).Lookup("nid", "11010519491231002X");

        Assert.NotEqual(a, b);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(Lookup), Encoding.UTF8.GetBytes("medpay.nid:11010519491231002X"))), a);
    }

    [Theory]
    [InlineData(null, "k", "L")]
    [InlineData("short", "k", "L")]
    [InlineData("K", "", "L")]
    [InlineData("K", "a key id with spaces", "L")]
    [InlineData("K", "k", null)]
    [InlineData("K", "k", "short")]
    [InlineData("K", "k", "K")] // the same key for both purposes
    public void Keys_missing_malformed_or_of_the_wrong_length_are_refused(string? key, string keyId, string? lookup)
    {
        string? Resolve(string? value) => value switch { "K" => KeyA, "L" => Lookup, "short" => Convert.ToBase64String(new byte[16]), _ => value };
        var options = new IdentityOptions { EncryptionKey = Resolve(key), EncryptionKeyId = keyId, LookupKey = Resolve(lookup) };

        Assert.True(new IdentityOptionsValidator(new Env("Development")).Validate(null, options).Failed);
        Assert.True(new IdentityOptionsValidator(new Env("Development")).Validate(null, Options()).Succeeded);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void The_development_keys_are_refused_outside_Development(string environment)
    {
        var development = Options("dev-1", IdentityOptions.DevelopmentEncryptionKey, IdentityOptions.DevelopmentLookupKey);

        Assert.True(new IdentityOptionsValidator(new Env("Development")).Validate(null, development).Succeeded);
        var refused = new IdentityOptionsValidator(new Env(environment)).Validate(null, development);
        Assert.True(refused.Failed);
        Assert.Contains("development keys", refused.FailureMessage, StringComparison.Ordinal);
        Assert.True(new IdentityOptionsValidator(new Env(environment)).Validate(null, Options(lookup: IdentityOptions.DevelopmentLookupKey)).Failed);
        Assert.True(new IdentityOptionsValidator(new Env(environment)).Validate(null, Options()).Succeeded);
    }

    private sealed class Env(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
