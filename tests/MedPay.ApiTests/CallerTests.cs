using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MedPay.ApiTests;

/// <summary>Who is calling: the attack that used to empty a victim's e-voucher, real-name verification, operators, Production.</summary>
[Collection(ApiCollection.Name)]
public sealed class CallerTests(ApiFixture fixture)
{
    private readonly ApiSteps _api = new(fixture.Http);

    [Fact]
    public async Task Nobody_but_the_insured_person_can_spend_their_e_voucher()
    {
        // The victim, and a pharmacy the attacker does not control.
        var (victim, _) = await _api.OpenVoucherAsync(500);
        var (merchantId, _, merchant) = await fixture.RegisterMerchantAsync();
        var orderId = await _api.CreateOrderAsync(victim, merchantId);
        var attacker = await fixture.UserClientAsync(ApiSteps.Unique("u"));
        var consent = new { merchantId, maxAmountFen = 400_000 };
        var order = new { merchantId = "never-registered", merchantOrderNo = "RX-EVIL", userId = victim, items = new[] { ApiSteps.Item("A", 200_000, 2) } };

        foreach (var (who, client) in new[] { ("anonymous", fixture.Anonymous), ("another user", attacker) })
        {
            // Create an order in any merchant's name for the victim: not without the merchant's credential.
            var created = await client.PostAsJsonAsync("/v1/orders", order);
            Assert.True(created.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{who} created an order: {(int)created.StatusCode}");
            // Mint a consent code for the victim: the victim's voucher does not exist for anyone else.
            var minted = await client.PostAsJsonAsync($"/v1/vouchers/{victim}/authorizations", consent);
            Assert.True(minted.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound, $"{who} minted a consent: {(int)minted.StatusCode}");
            // Read the voucher, the order and the victim's orders by guessable ids.
            foreach (var path in new[] { $"/v1/vouchers/{victim}", $"/v1/orders/{orderId}", $"/v1/vouchers/{victim}/orders" })
            {
                var read = await client.GetAsync(path);
                Assert.True(read.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound, $"{who} read {path}: {(int)read.StatusCode}");
            }

            // Pay the victim's order with a consent the attacker got for itself: the order does not exist for it.
            var own = who == "another user" ? await OwnConsentAsync(attacker, merchantId) : "ACNOTACODE";
            var paid = await client.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode = own });
            Assert.True(paid.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound, $"{who} paid the victim's order: {(int)paid.StatusCode}");
        }

        // Someone else's voucher answers word for word as one that does not exist (only the trace id differs).
        var nobody = ApiSteps.Unique("u");
        var hidden = await Expect.ProblemAsync(await attacker.GetAsync($"/v1/vouchers/{victim}"), HttpStatusCode.NotFound, "voucher_not_found");
        var missing = await Expect.ProblemAsync(await (await fixture.UserClientAsync(nobody)).GetAsync($"/v1/vouchers/{nobody}"), HttpStatusCode.NotFound, "voucher_not_found");
        foreach (var member in new[] { "type", "title", "status", "detail", "code" })
        {
            Assert.Equal(missing.GetProperty(member).GetRawText(), hidden.GetProperty(member).GetRawText());
        }

        // Another merchant neither reads nor pays it on either path.
        var (_, _, intruder) = await fixture.RegisterMerchantAsync();
        await Expect.ProblemAsync(await intruder.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await intruder.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");

        var voucher = await Expect.StatusAsync(await (await fixture.UserClientAsync(victim)).GetAsync($"/v1/vouchers/{victim}"), HttpStatusCode.OK);
        Assert.Equal(500_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        var untouched = await Expect.StatusAsync(await merchant.GetAsync($"/v1/merchant/orders/{orderId}"), HttpStatusCode.OK);
        Assert.Equal("created", untouched.GetProperty("status").GetString());
    }

    private async Task<string> OwnConsentAsync(HttpClient attacker, string merchantId)
    {
        var me = ApiSteps.Unique("u");
        var client = await fixture.UserClientAsync(me, ("王五", Ids.WithSequence(400)));
        await Expect.StatusAsync(await client.PostAsJsonAsync("/v1/vouchers", new { insuredRegion = "330100", insuranceType = "employee" }), HttpStatusCode.Created);
        var grant = await Expect.StatusAsync(await client.PostAsJsonAsync($"/v1/vouchers/{me}/authorizations", new { merchantId, maxAmountFen = 400_000 }), HttpStatusCode.Created);
        _ = attacker;
        return grant.GetProperty("authCode").GetString()!;
    }

    [Fact]
    public async Task Opening_and_consent_need_verified_claims_of_the_person_from_a_recent_face_check()
    {
        var userId = ApiSteps.Unique("u");
        var person = ("张三", Ids.WithSequence(500));
        var open = new { insuredRegion = "330100", insuranceType = "employee" };
        // No verified claims at all, and a face check whose token names no verified person: neither says who the person is.
        var unverified = fixture.Client(new("Bearer", await fixture.TokenAsync(userId)));
        var nobody = fixture.Client(new("Bearer", await fixture.TokenAsync(userId, realName: true)));
        var stale = fixture.Client(new("Bearer", await fixture.TokenAsync(userId, realName: true, verifiedAt: DateTimeOffset.UtcNow.AddMinutes(-6), person: person)));
        var future = fixture.Client(new("Bearer", await fixture.TokenAsync(userId, realName: true, verifiedAt: DateTimeOffset.UtcNow.AddMinutes(10), person: person)));
        var fresh = fixture.Client(new("Bearer", await fixture.TokenAsync(userId, realName: true, verifiedAt: DateTimeOffset.UtcNow.AddMinutes(-4), person: person)));
        foreach (var client in new[] { unverified, nobody })
        {
            await Expect.ProblemAsync(await client.PostAsJsonAsync("/v1/vouchers", open), HttpStatusCode.Forbidden, "verified_claims_required");
        }

        foreach (var client in new[] { stale, future })
        {
            await Expect.ProblemAsync(await client.PostAsJsonAsync("/v1/vouchers", open), HttpStatusCode.Forbidden, "recent_verification_required");
        }

        await Expect.ProblemAsync(await fresh.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.StatusAsync(await fresh.PostAsJsonAsync("/v1/vouchers", open), HttpStatusCode.Created);
        var merchantId = (await fixture.RegisterMerchantAsync()).MerchantId;
        var consent = new { merchantId, maxAmountFen = 1_000 };
        foreach (var client in new[] { unverified, nobody })
        {
            await Expect.ProblemAsync(await client.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Forbidden, "verified_claims_required");
        }

        foreach (var client in new[] { stale, future })
        {
            await Expect.ProblemAsync(await client.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Forbidden, "recent_verification_required");
        }

        // Reading needs no new verification; consent for a merchant nobody registered is refused.
        await Expect.StatusAsync(await unverified.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.OK);
        await Expect.ProblemAsync(await fresh.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId = "never-registered", maxAmountFen = 1_000 }), HttpStatusCode.NotFound, "merchant_not_found");
        await Expect.StatusAsync(await fresh.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", consent), HttpStatusCode.Created);
        // A person opens only their own voucher.
        await Expect.ProblemAsync(await fresh.PostAsJsonAsync("/v1/vouchers", new { userId = ApiSteps.Unique("u"), open.insuredRegion, open.insuranceType }), HttpStatusCode.Forbidden, "user_mismatch");
    }

    [Fact]
    public async Task A_token_that_is_forged_expired_or_for_another_audience_is_401()
    {
        var token = await fixture.TokenAsync(ApiSteps.Unique("u"), realName: true);
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64Url(parts[1])).RootElement;
        var tampered = parts[0] + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { sub = "someone-else", aud = payload.GetProperty("aud").GetString(), iss = payload.GetProperty("iss").GetString(), exp = payload.GetProperty("exp").GetInt64() })) + "." + parts[2];
        var unsigned = parts[0] + "." + parts[1] + ".";
        foreach (var bad in new[] { tampered, unsigned, "not-a-token", token + "x" })
        {
            var response = await fixture.Client(new("Bearer", bad)).GetAsync("/v1/admin/audit");
            await Expect.ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.First().Scheme);
        }

        // A merchant credential with the wrong key, and one for a merchant that does not exist.
        var (merchantId, apiKey, _) = await fixture.RegisterMerchantAsync();
        await Expect.ProblemAsync(await fixture.MerchantClient(merchantId, apiKey + "x").GetAsync("/v1/merchant/orders"), HttpStatusCode.Unauthorized, "unauthorized");
        await Expect.ProblemAsync(await fixture.MerchantClient("no-such-merchant", apiKey).GetAsync("/v1/merchant/orders"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Every_operator_action_is_audited_with_the_operators_name_the_change_and_the_reason_and_auditors_only_read()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        await Expect.ProblemAsync(await fixture.Auditor.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended", reason = "not mine to do" }), HttpStatusCode.Forbidden, "forbidden");
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended", reason = "reported lost phone" }), HttpStatusCode.OK);
        var (merchantId, _, _) = await fixture.RegisterMerchantAsync();
        await Expect.StatusAsync(await fixture.Operator.PostAsJsonAsync($"/v1/admin/merchants/{merchantId}/credentials", new { reason = "key leaked" }), HttpStatusCode.OK);

        var audit = await Expect.StatusAsync(await fixture.Auditor.GetAsync("/v1/admin/audit"), HttpStatusCode.OK);
        var entries = audit.EnumerateArray().ToList();
        var suspended = Assert.Single(entries, e => e.GetProperty("target").GetString() == $"voucher {userId}");
        Assert.Equal("olga", suspended.GetProperty("operator").GetString());
        Assert.Equal("Olga Operator", suspended.GetProperty("operatorName").GetString());
        Assert.Equal("voucher.status", suspended.GetProperty("action").GetString());
        Assert.Equal("status → suspended", suspended.GetProperty("change").GetString());
        Assert.Equal("reported lost phone", suspended.GetProperty("reason").GetString());
        Assert.Equal("200", suspended.GetProperty("outcome").GetString());
        Assert.True(DateTimeOffset.UtcNow - suspended.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        var rotated = Assert.Single(entries, e => e.GetProperty("target").GetString() == $"merchant {merchantId}" && e.GetProperty("action").GetString() == "merchant.rotate_credentials");
        Assert.Equal("key leaked", rotated.GetProperty("reason").GetString());
        // The auditor's refused attempt changed nothing and is not an action.
        Assert.DoesNotContain(entries, e => e.GetProperty("reason").GetString() == "not mine to do");
        // Nothing secret is in the trail.
        Assert.DoesNotContain("mk_", audit.GetRawText());
    }

    [Fact]
    public async Task Outside_Development_the_api_refuses_to_start_without_an_https_authority_and_serves_no_token_issuer()
    {
        // The key ring that encrypts stored responses must be encrypted at rest outside Development: a throw-away certificate.
        var pfx = Path.Combine(Path.GetTempPath(), $"medpay-dp-{Guid.NewGuid():N}.pfx");
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=MedPay test key ring", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx));
        }

        var keyRing = $"--MedPay:DataProtection:CertificatePath={pfx}";
        foreach (var (settings, refusedSetting) in new (string[], string)[]
        {
            ([keyRing], "MedPay:Auth"),
            ([keyRing, "--MedPay:Auth:Authority=http://127.0.0.1:9/"], "MedPay:Auth"),
            ([keyRing, "--MedPay:Auth:Authority=https://127.0.0.1:9/", "--MedPay:Auth:DevelopmentIssuer=true"], "MedPay:Auth"),
            (["--MedPay:Auth:Authority=https://127.0.0.1:9/"], "MedPay:DataProtection:CertificatePath"),
        })
        {
            await using var refused = fixture.OtherApi(["--environment=Production", .. settings]);
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => refused.StartAsync());
            Assert.Contains(refusedSetting, error.Message);
        }

        await using var production = fixture.OtherApi("--environment=Production", "--MedPay:Auth:Authority=https://127.0.0.1:9/", keyRing);
        await production.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = ApiFixture.AddressOf(production) };
            var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "urn:medpay:grant-type:development", ["sub"] = "u1" }));
            await Expect.ProblemAsync(token, HttpStatusCode.Unauthorized, "unauthorized");
            await Expect.ProblemAsync(await http.GetAsync("/.well-known/openid-configuration"), HttpStatusCode.Unauthorized, "unauthorized");
            // A token of the development issuer means nothing here.
            var devToken = await fixture.TokenAsync("u1", realName: true);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/vouchers/u1") { Headers = { Authorization = new("Bearer", devToken) } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            await production.StopAsync();
        }
    }

    private static byte[] Base64Url(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/').PadRight(text.Length + (4 - text.Length % 4) % 4, '='));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
