using System.Net;
using System.Net.Http.Json;
using MedPay.Platform;

namespace MedPay.ApiTests;

/// <summary>Over HTTP: no answer confirms or denies a national ID; the mask; the platform decides who the person is.</summary>
[Collection(ApiCollection.Name)]
public sealed class VoucherIdentityTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;

    private static object Open(string userId, string nationalId, string fullName = "张三", string? insuredRegion = "330100", string? insuranceType = "employee") =>
        new { userId, fullName, nationalId, insuredRegion, insuranceType };

    /// <summary>Status and body; a problem's <c>traceId</c>, different on every request whatever it asks, is left out.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "\"traceId\":\"\""));
    }

    [Fact]
    public async Task Reopening_with_the_right_or_a_wrong_guessed_id_answers_byte_for_byte_the_same()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(120);
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId)), HttpStatusCode.Created);

        var right = await Read(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId)));
        // Guesses that differ from the right ID in the birth date only, as the attack enumerated them.
        var wrong = await Read(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, Ids.WithSequence(120))));
        var wrongName = await Read(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId, fullName: "李四")));

        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal(right, wrong);
        Assert.Equal(right, wrongName);
    }

    [Fact]
    public async Task An_id_that_backs_another_users_voucher_answers_as_one_the_platform_does_not_insure()
    {
        var taken = Ids.WithSequence(121);
        var uninsured = Ids.WithSequence(122);
        await fixture.Sandbox.PersonAsync(uninsured, new SandboxPerson(Insured: false));
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", Open(ApiSteps.Unique("u"), taken)), HttpStatusCode.Created);

        var attacker = ApiSteps.Unique("u");
        var onTaken = await _http.PostAsJsonAsync("/v1/vouchers", Open(attacker, taken));
        var onUninsured = await _http.PostAsJsonAsync("/v1/vouchers", Open(attacker, uninsured));

        var a = await Read(onTaken);
        var b = await Read(onUninsured);
        Assert.Equal(a, b);
        await Expect.ProblemAsync(onTaken, HttpStatusCode.Conflict, "identity_unavailable");
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/vouchers/{attacker}"), HttpStatusCode.NotFound, "voucher_not_found");
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
    public async Task Region_and_type_come_from_the_platform_and_a_disagreeing_client_is_422_identity_mismatch()
    {
        var nationalId = Ids.WithSequence(124);
        foreach (var (region, type) in new (string?, string?)[] { ("310100", "employee"), ("330100", "resident"), (null, "resident"), ("310100", null) })
        {
            var userId = ApiSteps.Unique("u");
            await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/vouchers", Open(userId, nationalId, insuredRegion: region, insuranceType: type)), (HttpStatusCode)422, "identity_mismatch");
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
