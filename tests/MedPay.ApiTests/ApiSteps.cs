using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MedPay.ApiTests;

/// <summary>The steps of a payment as a medical service application takes them over HTTP, asserting each one succeeds.</summary>
public sealed class ApiSteps(HttpClient http)
{
    public const string Region = "330100";

    public HttpClient Http => http;

    public static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    public static object Item(string category = "A", long unitPriceFen = 20_000, int quantity = 2, string code = "A1") =>
        new { code, name = "drug " + code, category, unitPriceFen, quantity };

    /// <summary>Opens a voucher whose sandbox balance is <paramref name="sequence"/> × 1,000 fen.</summary>
    public async Task<(string UserId, string NationalId)> OpenVoucherAsync(int sequence = 500)
    {
        var userId = Unique("u");
        var nationalId = Ids.WithSequence(sequence);
        var response = await http.PostAsJsonAsync("/v1/vouchers", new { userId, fullName = "张三", nationalId, insuredRegion = Region, insuranceType = "employee" });
        await Expect.StatusAsync(response, HttpStatusCode.Created);
        return (userId, nationalId);
    }

    public async Task<string> AuthorizeAsync(string userId, string merchantId, long maxAmountFen = 1_000_000, string? merchantOrderNo = null)
    {
        var response = await http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId, maxAmountFen, merchantOrderNo });
        var body = await Expect.StatusAsync(response, HttpStatusCode.Created);
        return body.GetProperty("authCode").GetString()!;
    }

    public async Task<string> CreateOrderAsync(string userId, string merchantId, string? merchantOrderNo = null, params object[] items)
    {
        var response = await http.PostAsJsonAsync("/v1/orders", new
        {
            merchantId, merchantOrderNo = merchantOrderNo ?? Unique("RX-"), userId, items = items.Length == 0 ? new[] { Item() } : items,
        });
        var body = await Expect.StatusAsync(response, HttpStatusCode.Created);
        return body.GetProperty("orderId").GetString()!;
    }

    public Task<HttpResponseMessage> PayAsync(string orderId, string authCode, long? maxCashFen = null) =>
        maxCashFen is null
            ? http.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode })
            : http.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode, maxCashFen });

    public async Task<JsonElement> GetAsync(string path) => await Expect.StatusAsync(await http.GetAsync(path), HttpStatusCode.OK);

    public Task<JsonElement> VoucherAsync(string userId) => GetAsync($"/v1/vouchers/{userId}");

    public Task<JsonElement> OrderAsync(string orderId) => GetAsync($"/v1/orders/{orderId}");

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string? contentType = "application/json")
    {
        HttpContent content = contentType is null ? new ByteArrayContent(Encoding.UTF8.GetBytes(body)) : new StringContent(body, Encoding.UTF8, contentType);
        // A large body goes with Expect: 100-continue, as a client should send one: a refusal (413) comes before the body
        // is on the wire instead of racing the upload, which would end in a broken pipe on this side.
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = body.Length > 64 * 1024;
        return http.SendAsync(request);
    }
}

/// <summary>What every response must look like: a success with a JSON body, or an RFC 7807 problem with a stable code.</summary>
public static class Expect
{
    public const string ProblemTypeBase = "https://medpay.dev/problems/";

    public static async Task<JsonElement> StatusAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Asserts an <c>application/problem+json</c> body with <c>type</c>, <c>title</c>, a numeric <c>status</c> equal to the HTTP
    /// status, <c>detail</c> and the stable <c>code</c>; each member once. Returns the body.
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.True((int)response.StatusCode < 500, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        var names = problem.EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(names.Count == names.Distinct(StringComparer.Ordinal).Count(), $"a problem member appears twice: {text}");
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(ProblemTypeBase + code, problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), text);
        Assert.Equal(JsonValueKind.Number, problem.GetProperty("status").ValueKind);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        return problem;
    }

    /// <summary>The top-level members of a JSON object as they appear on the wire, duplicates included.</summary>
    public static IReadOnlyList<(string Name, JsonElement Value)> Members(JsonElement body) =>
        [.. body.EnumerateObject().Select(p => (p.Name, p.Value.Clone()))];

    /// <summary>Asserts the object has at least these members, each named in camelCase.</summary>
    public static void HasMembers(JsonElement body, params string[] names)
    {
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        var present = body.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
        {
            Assert.True(present.Contains(name), $"missing member '{name}' in {body}");
        }

        foreach (var name in present)
        {
            Assert.True(char.IsAsciiLetterLower(name[0]) && !name.Contains('_'), $"member '{name}' is not camelCase in {body}");
        }
    }

    /// <summary>Money is an integer number of fen on the wire: no string, no fraction.</summary>
    public static long Fen(JsonElement body, string name)
    {
        var value = body.GetProperty(name);
        Assert.Equal(JsonValueKind.Number, value.ValueKind);
        Assert.True(value.TryGetInt64(out var fen), $"{name} is not an integer: {value.GetRawText()}");
        Assert.DoesNotContain('.', value.GetRawText());
        return fen;
    }
}
