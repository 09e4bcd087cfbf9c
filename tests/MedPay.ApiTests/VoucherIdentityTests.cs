using System.Net;
using System.Net.Http.Json;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>
/// Over HTTP: the person is the one the identity provider verified, never one a body names; one person, one voucher, on
/// the account they last verified on; the mask; the platform decides how the person is insured.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class VoucherIdentityTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;

    private static object Open(string userId, string nationalId, string fullName = "张三", string? insuredRegion = "330100", string? insuranceType = "employee") =>
        new { userId, fullName, nationalId, insuredRegion, insuranceType };

    [Fact]
    public async Task An_account_verified_as_one_person_cannot_open_another_persons_voucher_and_that_person_opens_theirs_afterwards()
    {
        // Mallory's own fresh face check, naming Li Si in the body: the attack as it was made.
        var mallory = ApiSteps.Unique("mallory");
        var liSi = Ids.WithSequence(421);
        var asMallory = await fixture.UserClientAsync(mallory, ("马洛丽", Ids.WithSequence(120)));

        await Expect.ProblemAsync(await asMallory.PostAsJsonAsync("/v1/vouchers", new { fullName = "李四", nationalId = liSi }), HttpStatusCode.Forbidden, "identity_mismatch");
        await Expect.ProblemAsync(await asMallory.PostAsJsonAsync("/v1/vouchers", new { nationalId = liSi }), HttpStatusCode.Forbidden, "identity_mismatch");

        await Expect.ProblemAsync(await asMallory.GetAsync($"/v1/vouchers/{mallory}"), HttpStatusCode.NotFound, "voucher_not_found");
        var owner = ApiSteps.Unique("lisi");
        var asLiSi = await fixture.UserClientAsync(owner, ("李四", liSi));
        var opened = await Expect.StatusAsync(await asLiSi.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
        Assert.Equal(421_000, Expect.Fen(opened, "personalAccountBalanceFen"));
        Assert.Equal(Ids.Masked(liSi), opened.GetProperty("nationalIdMasked").GetString());
        // Mallory's own voucher is hers to open.
        await Expect.StatusAsync(await asMallory.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Consent_by_a_token_verified_as_another_person_than_the_holder_is_403_identity_mismatch()
    {
        var userId = ApiSteps.Unique("u");
        var holder = ("张三", Ids.WithSequence(126));
        var asHolder = await fixture.UserClientAsync(userId, holder);
        await Expect.StatusAsync(await asHolder.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
        var merchantId = (await fixture.RegisterMerchantAsync()).MerchantId;
        var consent = new { merchantId, maxAmountFen = 1_000 };
        // The same account, a fresh face check of someone else (a relative holding the phone).
        var asOther = await fixture.UserClientAsync(userId, ("李四", Ids.WithSequence(127)));

        await Expect.ProblemAsync(await asOther.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Forbidden, "identity_mismatch");
        await Expect.ProblemAsync(await asOther.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Forbidden, "identity_mismatch");

        await Expect.StatusAsync(await asHolder.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_same_person_on_another_account_gets_their_voucher_moved_and_the_old_account_loses_it_at_once()
    {
        var person = ("张三", Ids.WithSequence(128));
        var oldAccount = ApiSteps.Unique("u");
        var asOld = await fixture.UserClientAsync(oldAccount, person);
        var opened = await Expect.StatusAsync(await asOld.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
        var merchantId = (await fixture.RegisterMerchantAsync()).MerchantId;
        var orderId = await new ApiSteps(_http).CreateOrderAsync(oldAccount, merchantId);
        var openConsent = (await Expect.StatusAsync(await asOld.PostAsJsonAsync($"/v1/vouchers/{oldAccount}/authorizations", new { merchantId, maxAmountFen = 1_000_000 }), HttpStatusCode.Created))
            .GetProperty("authCode").GetString();

        var newAccount = ApiSteps.Unique("u");
        var asNew = await fixture.UserClientAsync(newAccount, person);
        var moved = await Expect.StatusAsync(await asNew.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);

        Assert.Equal(opened.GetProperty("voucherNo").GetString(), moved.GetProperty("voucherNo").GetString());
        Assert.Equal(newAccount, moved.GetProperty("userId").GetString());
        Assert.Equal(128_000, Expect.Fen(moved, "personalAccountBalanceFen"));
        // The old account: no voucher to read or consent on, and its open consent pays nothing.
        await Expect.ProblemAsync(await asOld.GetAsync($"/v1/vouchers/{oldAccount}"), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(await asOld.PostAsJsonAsync($"/v1/vouchers/{oldAccount}/authorizations", new { merchantId, maxAmountFen = 1_000 }), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(await asOld.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode = openConsent }), HttpStatusCode.Forbidden, "auth_unknown");
        Assert.Equal(128_000, Expect.Fen(await new ApiSteps(asNew).VoucherAsync(newAccount), "personalAccountBalanceFen"));
        // Audited with both accounts.
        var day = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var audit = await Expect.StatusAsync(await fixture.Operator.GetAsync($"/v1/admin/audit?day={day}"), HttpStatusCode.OK);
        Assert.Contains($"account {oldAccount} → account {newAccount}", audit.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_voucher_opened_on_someone_elses_account_before_verified_claims_is_recovered_by_the_real_person()
    {
        // Before verified claims, Mallory's account could open a voucher on Li Si's identity. That state is acted out here
        // by a token of Mallory's account that names Li Si (no real identity provider would issue it).
        var mallory = ApiSteps.Unique("mallory");
        var liSi = ("李四", Ids.WithSequence(129));
        await Expect.StatusAsync(await (await fixture.UserClientAsync(mallory, liSi)).PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);

        // Li Si verifies on his own account: the voucher is his, moved to him, never a second one, never a lockout.
        var owner = ApiSteps.Unique("lisi");
        var asLiSi = await fixture.UserClientAsync(owner, liSi);
        var recovered = await Expect.StatusAsync(await asLiSi.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
        Assert.Equal(129_000, Expect.Fen(recovered, "personalAccountBalanceFen"));

        // Mallory, as herself, has nothing on that account, and cannot open another voucher on it.
        var asMallory = await fixture.UserClientAsync(mallory, ("马洛丽", Ids.WithSequence(130)));
        await Expect.ProblemAsync(await asMallory.GetAsync($"/v1/vouchers/{mallory}"), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(await asMallory.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Conflict, "voucher_moved");
    }

    [Fact]
    public async Task The_voucher_shows_only_the_first_and_last_character_of_the_national_id()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(123);
        var opened = await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId)), HttpStatusCode.Created);
        var read = await Expect.StatusAsync(await _http.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.OK);

        foreach (var voucher in new[] { opened, read })
        {
            var masked = voucher.GetProperty("nationalIdMasked").GetString()!;
            Assert.Equal(nationalId[..1] + new string('*', 16) + nationalId[^1..], masked);
            Assert.DoesNotContain(nationalId[6..14], voucher.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Region_and_type_come_from_the_platform_and_a_disagreeing_client_is_422_insurance_record_mismatch()
    {
        var nationalId = Ids.WithSequence(124);
        foreach (var (region, type) in new (string?, string?)[] { ("310100", "employee"), ("330100", "resident"), (null, "resident"), ("310100", null) })
        {
            var userId = ApiSteps.Unique("u");
            await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId, insuredRegion: region, insuranceType: type)), (HttpStatusCode)422, "insurance_record_mismatch");
            await Expect.ProblemAsync(await _http.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.NotFound, "voucher_not_found");
        }

        // Without them, the platform's: a Hangzhou (330106) employee with 124,000 fen.
        var owner = ApiSteps.Unique("u");
        var opened = await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", new { userId = owner, fullName = "张三", nationalId }), HttpStatusCode.Created);
        Assert.Equal("330100", opened.GetProperty("insuredRegion").GetString());
        Assert.Equal("employee", opened.GetProperty("insuranceType").GetString());
        Assert.Equal(124_000, Expect.Fen(opened, "personalAccountBalanceFen"));
    }

    [Fact]
    public async Task A_platform_that_does_not_answer_is_503_platform_unavailable_and_opens_nothing()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(125);
        await fixture.Sandbox.PersonAsync(nationalId, new SandboxPerson(Delay: TimeSpan.FromSeconds(30)));

        var response = await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("platform_unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.NotFound, "voucher_not_found");
    }
}
