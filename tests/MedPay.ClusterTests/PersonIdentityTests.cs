using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using MedPay.Contracts;
using MedPay.Platform;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace MedPay.ClusterTests;

/// <summary>
/// One person, one e-voucher, on whichever account the person last verified; the platform decides who the person is
/// insured as; and what is stored holds no ID in clear.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PersonIdentityTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Medpay.Grains);

    [Fact]
    public async Task The_same_person_on_another_account_gets_their_one_voucher_moved_there_and_the_old_account_loses_it()
    {
        var (merchant, _) = await _s.RegisterMerchantAsync();
        var (first, opened) = await _s.OpenVoucherAsync(300);
        var nationalId = Scenario.HolderOf(first);
        var paid = await _s.CreateOrderAsync(first, merchant, Scenario.A(10_000), Scenario.C(5_000));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paid.OrderId).PayAsync(new(await _s.AuthorizeAsync(first, merchant), null))).Value!.Status);
        var pending = await _s.CreateOrderAsync(first, merchant, Scenario.A(1_000));
        var oldConsent = await _s.AuthorizeAsync(first, merchant);
        var before = (await _s.Voucher(first).GetAsync()).Value!;

        var second = TestWorld.Unique("u");
        var moved = await _s.Voucher(second).OpenAsync(new("张三", nationalId.ToLowerInvariant(), null, null));

        // The one voucher, as it was: its number, balance and year; not a second one from the platform's record.
        Assert.True(moved.Value!.Opened);
        Assert.Equal(opened.VoucherNo, moved.Value.Voucher.VoucherNo);
        Assert.Equal(before.PersonalAccountBalanceFen, moved.Value.Voucher.PersonalAccountBalanceFen);
        Assert.Equal(before.Accumulators, moved.Value.Voucher.Accumulators);
        Assert.NotEqual(opened.PersonalAccountBalanceFen, moved.Value.Voucher.PersonalAccountBalanceFen);
        // The old account loses it at once: no read, no consent, and its open consent pays nothing.
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(first).GetAsync()).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(first).AuthorizeAsync(new(merchant, 100, null, 5, nationalId))).Error!.Code);
        var refused = (await _s.Order(pending.OrderId).PayAsync(new(oldConsent, null))).Error!;
        Assert.Equal(ErrorCodes.AuthUnknown, refused.Code);
        Assert.Equal(OrderStatus.Created, (await _s.Order(pending.OrderId).GetAsync()).Value!.Status);
        // The new account consents and pays; a refund of the order paid from the old account is credited where the voucher is.
        Scenario.RememberHolder(second, nationalId);
        var order = await _s.CreateOrderAsync(second, merchant, Scenario.A(2_000));
        var again = (await _s.Order(order.OrderId).PayAsync(new(await _s.AuthorizeAsync(second, merchant), null))).Value!;
        Assert.Equal(OrderStatus.Settled, again.Status);
        var refund = (await _s.Order(paid.OrderId).RefundAsync(new("r1", 15_000, "returned"))).Value!;
        Assert.Equal(RefundStatus.Succeeded, refund.Status);
        var now = (await _s.Voucher(second).GetAsync()).Value!;
        Assert.Equal(before.PersonalAccountBalanceFen - again.Split!.PersonalAccountFen + refund.Split.PersonalAccountFen, now.PersonalAccountBalanceFen);
        // Audited with both accounts.
        var day = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var audit = await fixture.Medpay.Grains.GetGrain<IOperatorAuditGrain>(day).ListAsync();
        Assert.Contains(audit, e => e.Action == "voucher.moved" && e.Change == $"account {first} → account {second}" && e.Outcome == "ok");

        // The person back on the first account: the voucher comes back, with everything since.
        var back = await _s.Voucher(first).OpenAsync(new("张三", nationalId, null, null));
        Assert.Equal(now.PersonalAccountBalanceFen, back.Value!.Voucher.PersonalAccountBalanceFen);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(second).GetAsync()).Error!.Code);
    }

    [Fact]
    public async Task A_move_that_stopped_half_way_is_finished_by_the_next_call_that_reaches_it_and_nothing_is_spent_twice()
    {
        var silo = (InProcessSiloHandle)fixture.Medpay.Cluster.Primary!;
        var protector = silo.SiloHost.Services.GetRequiredService<MedPay.Grains.Domain.IdentityProtector>();
        var (merchant, _) = await _s.RegisterMerchantAsync();

        // (a) The old account wrote its hand-over and the new account never adopted it (its silo died in between): the
        // refund of an order paid from the old account reaches the old account, which finishes the move and credits it there.
        var (first, _) = await _s.OpenVoucherAsync(307);
        var paid = await _s.CreateOrderAsync(first, merchant, Scenario.A(10_000));
        Assert.Equal(OrderStatus.Settled, (await _s.Order(paid.OrderId).PayAsync(new(await _s.AuthorizeAsync(first, merchant), null))).Value!.Status);
        var balance = (await _s.Voucher(first).GetAsync()).Value!.PersonalAccountBalanceFen;
        var second = TestWorld.Unique("u");
        var lookup = MedPay.Grains.Domain.NationalId.Lookup(Scenario.HolderOf(first), protector);
        Assert.True((await fixture.Medpay.Grains.GetGrain<MedPay.Grains.IVoucherHandOverGrain>(first).HandOverAsync(second, lookup, 0)).IsOk);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(first).GetAsync()).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(second).GetAsync()).Error!.Code);

        var refund = (await _s.Order(paid.OrderId).RefundAsync(new("r1", 10_000, "returned"))).Value!;

        Assert.Equal(RefundStatus.Succeeded, refund.Status);
        Assert.Equal(balance + refund.Split.PersonalAccountFen, (await _s.Voucher(second).GetAsync()).Value!.PersonalAccountBalanceFen);

        // (b) Stopped half-way again, and a third account of the person opens before anything reaches the second: the
        // move is followed along the accounts, finished, and the voucher arrives once, with its balance.
        var (one, _) = await _s.OpenVoucherAsync(308);
        var person = Scenario.HolderOf(one);
        var two = TestWorld.Unique("u");
        Assert.True((await fixture.Medpay.Grains.GetGrain<MedPay.Grains.IVoucherHandOverGrain>(one).HandOverAsync(two, MedPay.Grains.Domain.NationalId.Lookup(person, protector), 0)).IsOk);
        var three = TestWorld.Unique("u");

        var opened = await _s.Voucher(three).OpenAsync(new("张三", person, null, null));

        Assert.Equal(308_000, opened.Value!.Voucher.PersonalAccountBalanceFen);
        var held = await Task.WhenAll(new[] { one, two, three }.Select(u => _s.Voucher(u).GetAsync()));
        Assert.Equal([false, false, true], held.Select(h => h.IsOk));
    }

    [Fact]
    public async Task Another_person_on_an_account_whose_voucher_moved_away_opens_nothing_there()
    {
        var (first, _) = await _s.OpenVoucherAsync(305);
        Assert.True((await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new("张三", Scenario.HolderOf(first), null, null))).IsOk);

        var other = await _s.Voucher(first).OpenAsync(new("李四", TestWorld.NationalIdWithSequence(306), null, null));

        Assert.Equal(ErrorCodes.VoucherMoved, other.Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(first).GetAsync()).Error!.Code);
    }

    [Fact]
    public async Task Of_many_accounts_opening_at_once_for_one_person_one_holds_the_voucher_with_its_balance_once()
    {
        var nationalId = TestWorld.NationalIdWithSequence(301);
        var users = Enumerable.Range(0, 12).Select(_ => TestWorld.Unique("u")).ToList();

        var results = await Task.WhenAll(users.Select(u => _s.Voucher(u).OpenAsync(new("张三", nationalId, null, null))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.ToString()));
        Assert.Single(results.Select(r => r.Value!.Voucher.VoucherNo).Distinct());
        var held = (await Task.WhenAll(users.Select(u => _s.Voucher(u).GetAsync()))).Where(r => r.IsOk).ToList();
        Assert.Single(held);
        Assert.Equal(301_000, held[0].Value!.PersonalAccountBalanceFen);
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
            Assert.Equal(ErrorCodes.InsuranceRecordMismatch, (await _s.Voucher(user).OpenAsync(new("张三", hangzhou, region, type))).Error!.Code);
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
    public async Task A_person_the_platform_does_not_insure_opens_nothing()
    {
        var unknown = TestWorld.NationalIdWithSequence(302);
        await TestWorld.Sandbox.PersonAsync(unknown, new SandboxPerson(Insured: false));
        var userId = TestWorld.Unique("u");

        Assert.Equal(ErrorCodes.IdentityUnavailable, (await _s.Voucher(userId).OpenAsync(new("张三", unknown, null, null))).Error!.Code);
        Assert.Equal(ErrorCodes.VoucherNotFound, (await _s.Voucher(userId).GetAsync()).Error!.Code);
    }

    [Fact]
    public async Task Stored_state_holds_neither_the_national_id_nor_its_unkeyed_hash_nor_the_birth_date()
    {
        var nationalId = TestWorld.NationalIdWithSequence(304, birth: "19631127");
        const string fullName = "欧阳修";
        var userId = TestWorld.Unique("u");
        Assert.True((await _s.Voucher(userId).OpenAsync(new(fullName, nationalId, null, null))).IsOk);
        // The same person on another account: the voucher moves, sealed again under that account, in clear nowhere either.
        Assert.True((await _s.Voucher(TestWorld.Unique("u")).OpenAsync(new(fullName, nationalId, null, null))).IsOk);

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
