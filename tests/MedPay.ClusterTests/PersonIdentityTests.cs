using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.ClusterTests;

/// <summary>One person, one e-voucher; the platform decides who the person is; and what is stored holds no ID in clear.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PersonIdentityTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task One_person_cannot_open_a_second_voucher_under_another_user_id()
    {
        var nationalId = TestWorld.NationalIdWithSequence(300);
        var first = TestWorld.Unique("u");
        var second = TestWorld.Unique("u");
        Assert.True((await _s.Voucher(first).OpenAsync(new("张三", nationalId, null, null))).IsOk);

        var refused = await _s.Voucher(second).OpenAsync(new("张三", nationalId.ToLowerInvariant(), "330100", InsuranceType.Employee));

        Assert.Equal(ErrorCodes.IdentityUnavailable, refused.Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(second).GetAsync()).Error!.Code);
        // The first user's repeat is still idempotent, and the refusal is stable.
        Assert.False((await _s.Voucher(first).OpenAsync(new("张三", nationalId, null, null))).Value!.Opened);
        Assert.Equal(ErrorCodes.IdentityUnavailable, (await _s.Voucher(second).OpenAsync(new("张三", nationalId, null, null))).Error!.Code);
    }

    [Fact]
    public async Task Of_many_users_opening_at_once_with_one_national_id_exactly_one_wins()
    {
        var nationalId = TestWorld.NationalIdWithSequence(301);
        var users = Enumerable.Range(0, 12).Select(_ => TestWorld.Unique("u")).ToList();

        var results = await Task.WhenAll(users.Select(u => _s.Voucher(u).OpenAsync(new("张三", nationalId, null, null))));

        Assert.Single(results, r => r.IsOk);
        Assert.All(results.Where(r => !r.IsOk), r => Assert.Equal(ErrorCodes.IdentityUnavailable, r.Error!.Code));
        var opened = await Task.WhenAll(users.Select(u => _s.Voucher(u).GetAsync()));
        Assert.Single(opened, r => r.IsOk);
        Assert.Equal(301_000, opened.Single(r => r.IsOk).Value!.PersonalAccountBalanceFen);
    }

    [Fact]
    public async Task The_platform_decides_region_type_and_balance_and_a_client_that_disagrees_opens_nothing()
    {
        var hangzhou = TestWorld.NationalIdWithSequence(250, "330106");
        var shanghai = TestWorld.NationalIdWithSequence(250, "310101");
        var resident = TestWorld.NationalIdWithSequence(250, "330106");
        await TestWorld.Sandbox.PersonAsync(resident, new SandboxPerson(InsuranceType.Resident));

        // The same person claimed as a Hangzhou employee, a resident and a Shanghai employee: only the truth opens.
        foreach (var (region, type) in new (string?, InsuranceType?)[] { ("310100", InsuranceType.Employee), ("330100", InsuranceType.Resident), ("310100", null), (null, InsuranceType.Resident) })
        {
            var user = TestWorld.Unique("u");
            Assert.Equal(ErrorCodes.IdentityMismatch, (await _s.Voucher(user).OpenAsync(new("张三", hangzhou, region, type))).Error!.Code);
            Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(user).GetAsync()).Error!.Code);
        }

        var h = (await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", hangzhou, null, null))).Value!.Voucher;
        Assert.Equal(("330100", InsuranceType.Employee, 250_000L), (h.InsuredRegion, h.InsuranceType, h.PersonalAccountBalanceFen));
        Assert.StartsWith("EV330100", h.VoucherNo, StringComparison.Ordinal);
        var s = (await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", shanghai, "310100", null))).Value!.Voucher;
        Assert.Equal(("310100", InsuranceType.Employee, 250_000L), (s.InsuredRegion, s.InsuranceType, s.PersonalAccountBalanceFen));
        var r = (await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", resident, null, InsuranceType.Resident))).Value!.Voucher;
        Assert.Equal(("330100", InsuranceType.Resident, 0L), (r.InsuredRegion, r.InsuranceType, r.PersonalAccountBalanceFen));
    }

    [Fact]
    public async Task A_person_the_platform_does_not_insure_gets_the_same_refusal_as_one_already_taken()
    {
        var unknown = TestWorld.NationalIdWithSequence(302);
        await TestWorld.Sandbox.PersonAsync(unknown, new SandboxPerson(Insured: false));
        var taken = TestWorld.NationalIdWithSequence(303);
        Assert.True((await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", taken, null, null))).IsOk);

        var a = (await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", unknown, null, null))).Error!;
        var b = (await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", taken, null, null))).Error!;

        Assert.Equal(a, b);
        Assert.Equal(ErrorCodes.IdentityUnavailable, a.Code);
    }

    [Fact]
    public async Task Stored_state_holds_neither_the_national_id_nor_its_unkeyed_hash_nor_the_birth_date()
    {
        var nationalId = TestWorld.NationalIdWithSequence(304, birth: "19631127");
        const string fullName = "欧阳修";
        var userId = TestWorld.Unique("u");
        Assert.True((await _s.Voucher(userId).OpenAsync(new(fullName, nationalId, null, null))).IsOk);
        await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new(fullName, nationalId, null, null)); // refused: writes nothing of it either

        var forbidden = new List<string> { nationalId, nationalId[..17], "19631127", "631127", fullName };
        foreach (var text in new[] { nationalId, "medpay.nid:" + nationalId, fullName, "medpay.name:" + fullName })
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
            forbidden.Add(Convert.ToHexStringLower(hash));
            forbidden.Add(Convert.ToHexString(hash));
            forbidden.Add(Convert.ToBase64String(hash));
        }

        var table = new TableClient(TestWorld.StorageConnectionString, fixture.Medpay.TableName);
        var rows = 0;
        var sawVoucher = false;
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            rows++;
            var texts = string.Join("\n", entity.Select(p => p.Value).OfType<string>()) + "\n" + entity.PartitionKey + "\n" + entity.RowKey;
            var blobs = entity.Select(p => p.Value switch { byte[] b => b, BinaryData d => d.ToArray(), _ => null }).OfType<byte[]>().ToList();
            sawVoucher |= texts.Contains(userId, StringComparison.Ordinal);
            foreach (var secret in forbidden)
            {
                Assert.DoesNotContain(secret, texts, StringComparison.OrdinalIgnoreCase);
                foreach (var encoding in new[] { Encoding.UTF8, Encoding.Unicode })
                {
                    var bytes = encoding.GetBytes(secret);
                    Assert.False(blobs.Any(b => b.AsSpan().IndexOf(bytes) >= 0), $"'{secret}' is stored in {entity.PartitionKey}/{entity.RowKey}");
                }
            }

            foreach (var hash in forbidden.Where(f => f.Length == 64).Select(Convert.FromHexString))
            {
                Assert.False(blobs.Any(b => b.AsSpan().IndexOf(hash) >= 0), $"an unkeyed hash is stored in {entity.PartitionKey}/{entity.RowKey}");
            }
        }

        Assert.True(rows > 0 && sawVoucher, "the voucher's state was read from the table");
    }
}
