using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MedPay.ApiTests;

[Collection(ApiCollection.Name)]
public sealed class PaymentFlowTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public async Task A_user_opens_a_voucher_authorizes_and_pays_an_order_over_http()
    {
        var userId = "u" + Guid.NewGuid().ToString("N")[..10];
        var merchant = "m" + Guid.NewGuid().ToString("N")[..10];
        var open = await _http.PostAsJsonAsync("/v1/vouchers", new
        {
            userId, fullName = "张三", nationalId = Ids.WithSequence(500), insuredRegion = "330100", insuranceType = "employee",
        });
        Assert.Equal(HttpStatusCode.Created, open.StatusCode);
        var voucher = await open.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(500_000, voucher.GetProperty("personalAccountBalanceFen").GetInt64());

        var auth = await (await _http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId = merchant, maxAmountFen = 100_000 })).Content.ReadFromJsonAsync<JsonElement>();
        var created = await _http.PostAsJsonAsync("/v1/orders", new
        {
            merchantId = merchant, merchantOrderNo = "RX-1", userId,
            items = new object[] { new { code = "A1", name = "drug", category = "A", unitPriceFen = 20_000, quantity = 2 } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var orderId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString();

        var paid = await _http.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode = auth.GetProperty("authCode").GetString() });
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        var payment = await paid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("settled", payment.GetProperty("status").GetString());
        // Deductible 30,000; 85% of 10,000 from the fund; the personal account pays the rest.
        Assert.Equal(8_500, payment.GetProperty("split").GetProperty("fundFen").GetInt64());
        Assert.Equal(31_500, payment.GetProperty("split").GetProperty("personalAccountFen").GetInt64());

        var after = await _http.GetFromJsonAsync<JsonElement>($"/v1/vouchers/{userId}");
        Assert.Equal(500_000 - 31_500, after.GetProperty("personalAccountBalanceFen").GetInt64());
    }
}

public static class Ids
{
    private static int _people;

    /// <summary>
    /// A valid Hangzhou (330106) national ID of a new person (one person has one e-voucher: the birth date differs on
    /// every call in this process) whose sandbox personal-account balance is <paramref name="sequence"/> × 1,000 fen.
    /// </summary>
    public static string WithSequence(int sequence)
    {
        var first17 = $"330106{new DateOnly(1940, 1, 1).AddDays(Interlocked.Increment(ref _people) % 29_000):yyyyMMdd}{sequence:D3}";
        return first17 + MedPay.Grains.Domain.NationalId.CheckCharacter(first17);
    }

    /// <summary>The mask every response shows: the first and the last character only.</summary>
    public static string Masked(string nationalId) => nationalId[..1] + new string('*', 16) + nationalId[^1..].ToUpperInvariant();
}
