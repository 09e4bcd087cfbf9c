using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MedPay.ApiTests;

/// <summary>
/// Every bad request gets an <c>application/problem+json</c> answer with a stable code and a 4xx status, never a 5xx, and
/// changes nothing: the voucher and the order read back exactly as before.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProblemTests(ApiFixture fixture)
{
    // Each request goes as the caller who may make it (the status endpoint as an operator).
    private readonly HttpClient _http = fixture.Http;
    private readonly ApiSteps _api = new(fixture.Http);

    private static readonly string[] Endpoints = ["open", "authorize", "status", "order", "pay"];

    public static TheoryData<string> PostEndpoints => new(Endpoints);

    public static TheoryData<string, string> MalformedBodies => Cross(["{", "{\"userId\":", "not json", "{}}", "", "{'userId':'x'}", "{\"a\":1,}"]);

    public static TheoryData<string, string> NonObjectBodies => Cross(["[]", "[{}]", "null", "\"text\"", "42"]);

    public static TheoryData<string, string?> NonJsonContentTypes
    {
        get
        {
            var data = new TheoryData<string, string?>();
            foreach (var endpoint in Endpoints)
            {
                foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded", "application/xml", null })
                {
                    data.Add(endpoint, type);
                }
            }

            return data;
        }
    }

    public static TheoryData<string> InvalidNationalIds
    {
        get
        {
            var valid = Ids.WithSequence(500);
            var wrongCheck = valid[..17] + (valid[17] == '1' ? '2' : '1');
            return new()
            {
                valid[..17],
                valid + "0",
                wrongCheck,
                "33010619800101A50" + valid[17],
                "330106198013015001", // month 13
                "330106" + DateTime.UtcNow.AddYears(1).ToString("yyyyMMdd") + "500X", // born next year
                "33010618990101500X", // before 1900
                "330106 9800101500X",
            };
        }
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_json_on_every_post_endpoint_is_400_malformed_json(string endpoint, string body)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _api.PostRawAsync(world.Path(endpoint), body), HttpStatusCode.BadRequest, "malformed_json");
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [MemberData(nameof(NonObjectBodies))]
    public async Task A_json_array_null_or_scalar_body_on_every_post_endpoint_is_400_malformed_json(string endpoint, string body)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _api.PostRawAsync(world.Path(endpoint), body), HttpStatusCode.BadRequest, "malformed_json");
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [MemberData(nameof(NonJsonContentTypes))]
    public async Task A_body_not_sent_as_json_is_415_unsupported_media_type(string endpoint, string? contentType)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _api.PostRawAsync(world.Path(endpoint), world.ValidBody(endpoint), contentType), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [MemberData(nameof(PostEndpoints))]
    public async Task The_valid_bodies_used_by_these_tests_are_accepted(string endpoint)
    {
        // Guards the tests above: in the same world the well-formed body gets past reading (the pay body then meets an unknown
        // code), so each refusal above is about the body alone.
        var world = await WorldAsync();
        var response = await _api.PostRawAsync(world.Path(endpoint), world.ValidBody(endpoint));
        if (endpoint == "pay")
        {
            await Expect.ProblemAsync(response, HttpStatusCode.Forbidden, "auth_unknown");
        }
        else
        {
            Assert.True(response.IsSuccessStatusCode, $"{endpoint}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("authorize", """{"merchantId":"MERCHANT"}""")]
    [InlineData("authorize", """{"maxAmountFen":100}""")]
    [InlineData("authorize", """{"merchantId":null,"maxAmountFen":100}""")]
    [InlineData("status", "{}")]
    [InlineData("status", """{"reason":"no status"}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER"}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":1}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":1}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"name":"drug","category":"A","unitPriceFen":100,"quantity":1}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","unitPriceFen":100,"quantity":1}]}""")]
    [InlineData("pay", "{}")]
    [InlineData("pay", """{"authCode":""}""")]
    [InlineData("pay", """{"maxCashFen":0}""")]
    public async Task Missing_required_fields_are_400_invalid_request(string endpoint, string body)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _api.PostRawAsync(world.Path(endpoint), world.Fill(body)), HttpStatusCode.BadRequest, "invalid_request");
        await world.AssertUnchangedAsync(_api);
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{world.MerchantId}~NO"), HttpStatusCode.NotFound, "order_not_found");
    }

    [Theory]
    [InlineData("""{"fullName":""}""")]
    [InlineData("""{"fullName":"李四"}""")]
    [InlineData("""{"fullName":"张三","nationalId":"OTHER"}""")]
    [InlineData("""{"nationalId":"OTHER"}""")]
    [InlineData("""{"nationalId":""}""")]
    public async Task A_body_that_names_another_person_than_the_verified_one_is_403_identity_mismatch_and_opens_nothing(string body)
    {
        // The user's token verifies 张三 with the world's national ID; the body names someone else.
        var world = await WorldAsync();
        var fresh = ApiSteps.Unique("u");
        var other = Ids.WithSequence(600);
        var client = await fixture.UserClientAsync(fresh, ("张三", world.NationalId));
        await Expect.ProblemAsync(await client.PostAsync("/v1/vouchers", new StringContent(body.Replace("OTHER", other), Encoding.UTF8, "application/json")), HttpStatusCode.Forbidden, "identity_mismatch");

        // Nothing moved and nothing opened: the world's voucher stays where it was, and the person named can open theirs.
        await AssertNoVoucherAsync(fresh);
        await world.AssertUnchangedAsync(_api);
        var named = await fixture.UserClientAsync(ApiSteps.Unique("u"), ("李四", other));
        await Expect.StatusAsync(await named.PostAsJsonAsync("/v1/vouchers", new { }), HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("authorize", """{"merchantId":"MERCHANT","maxAmountFen":"100"}""")]
    [InlineData("authorize", """{"merchantId":"MERCHANT","maxAmountFen":100,"validForMinutes":"15"}""")]
    [InlineData("authorize", """{"merchantId":"MERCHANT","maxAmountFen":100.5}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":"100","quantity":1}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":"1"}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":1.5,"quantity":1}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":3000000000}]}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":99999999999999999999,"quantity":1}]}""")]
    [InlineData("pay", """{"authCode":"AC","maxCashFen":"0"}""")]
    [InlineData("open", """{"userId":123,"fullName":"张三","nationalId":"NID","insuredRegion":"330100","insuranceType":"employee"}""")]
    [InlineData("order", """{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":{"code":"A1"}}""")]
    public async Task A_value_of_the_wrong_json_type_is_400_malformed_json(string endpoint, string body)
    {
        var world = await WorldAsync();
        var problem = await Expect.ProblemAsync(await _api.PostRawAsync(world.Path(endpoint), world.Fill(body)), HttpStatusCode.BadRequest, "malformed_json");
        // The detail says where, never what was sent.
        Assert.DoesNotContain("99999999999999999999", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        await world.AssertUnchangedAsync(_api);
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{world.MerchantId}~NO"), HttpStatusCode.NotFound, "order_not_found");
    }

    /// <summary>
    /// One row per endpoint that reads a JSON body (<see cref="Every_endpoint_that_reads_a_body_has_a_duplicate_property_row"/>
    /// keeps it so): a property sent twice, and the value that must not come back in the problem. NEW… names an id not
    /// used yet (Fill makes NEWMERCHANT and NEWUSER unique).
    /// </summary>
    public static TheoryData<string, string, string> DuplicatePropertyBodies => new()
    {
        { "open", """{"userId":"NEWUSER","fullName":"张三","fullName":"TWICE","nationalId":"NID","insuredRegion":"330100","insuranceType":"employee"}""", "TWICE" },
        { "authorize", """{"merchantId":"TWICEm1","merchantId":"MERCHANT","maxAmountFen":100}""", "TWICEm1" },
        // In another case: the options read names case-insensitively, so maxAmountFen and MaxAmountFen are one property.
        { "authorize", """{"merchantId":"MERCHANT","maxAmountFen":100,"MaxAmountFen":987654321}""", "987654321" },
        { "status", """{"status":"suspended","status":"active","reason":"test"}""", "suspended" },
        // In a nested object: an item's price.
        { "order", """{"merchantId":"MERCHANT","merchantOrderNo":"DUP-1","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":1,"unitPriceFen":987654,"quantity":1}]}""", "987654" },
        { "order with idempotency key", """{"merchantId":"MERCHANT","merchantOrderNo":"DUP-1","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":1,"unitPriceFen":987654,"quantity":1}]}""", "987654" },
        { "pay", """{"authCode":"ACTWICE","authCode":"ACNOTACODE"}""", "ACTWICE" },
        { "merchant pay", """{"authCode":"ACTWICE","authCode":"ACNOTACODE"}""", "ACTWICE" },
        { "refund", """{"refundId":"r-1","amountFen":1,"amountFen":987654}""", "987654" },
        { "cancel", """{"reason":"TWICE","reason":"ok"}""", "TWICE" },
        { "register merchant", """{"merchantId":"NEWMERCHANT","name":"西湖大药房","name":"TWICE","institutionCode":"H33010600001","reason":"test"}""", "TWICE" },
        { "rotate credentials", """{"reason":"TWICE","reason":"ok"}""", "TWICE" },
        { "set callback", """{"callbackUrl":"https://twice.example/cb","callbackUrl":"https://pharmacy.example/cb","reason":"test"}""", "twice.example" },
        { "resolve review", """{"decision":"settle","decision":"fail","reason":"TWICE"}""", "settle" },
        { "resend notifications", """{"reason":"TWICE","reason":"ok"}""", "TWICE" },
    };

    /// <summary>The route each row of <see cref="DuplicatePropertyBodies"/> reaches.</summary>
    private static readonly Dictionary<string, string> BodyRoutes = new()
    {
        ["open"] = "POST /v1/vouchers",
        ["authorize"] = "POST /v1/vouchers/{userId}/authorizations",
        ["status"] = "POST /v1/vouchers/{userId}/status",
        ["order"] = "POST /v1/orders",
        ["order with idempotency key"] = "POST /v1/orders",
        ["pay"] = "POST /v1/orders/{orderId}/payments",
        ["merchant pay"] = "POST /v1/merchant/orders/{orderId}/payments",
        ["refund"] = "POST /v1/orders/{orderId}/refunds",
        ["cancel"] = "POST /v1/orders/{orderId}/cancel",
        ["register merchant"] = "POST /v1/admin/merchants",
        ["rotate credentials"] = "POST /v1/admin/merchants/{merchantId}/credentials",
        ["set callback"] = "POST /v1/admin/merchants/{merchantId}/callback",
        ["resolve review"] = "POST /v1/admin/review/{orderId}/resolve",
        ["resend notifications"] = "POST /v1/admin/orders/{orderId}/notifications/resend",
    };

    [Theory]
    [MemberData(nameof(DuplicatePropertyBodies))]
    public async Task A_property_sent_twice_is_400_malformed_json_and_changes_nothing(string endpoint, string body, string sent)
    {
        var world = await WorldAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, world.Path(endpoint)) { Content = new StringContent(world.Fill(body), Encoding.UTF8, "application/json") };
        if (endpoint == "order with idempotency key")
        {
            // The idempotency middleware buffers the body before the endpoint reads it: the same refusal.
            request.Headers.Add("Idempotency-Key", ApiSteps.Unique("k"));
        }

        var problem = await Expect.ProblemAsync(await _http.SendAsync(request), HttpStatusCode.BadRequest, "malformed_json");
        // The detail may say where, never what was sent.
        Assert.DoesNotContain(sent, problem.GetRawText(), StringComparison.Ordinal);
        await world.AssertUnchangedAsync(_api);

        // Nothing was created or changed by the refused request.
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{world.MerchantId}~DUP-1"), HttpStatusCode.NotFound, "order_not_found");
        await AssertNoVoucherAsync(world.Fill("NEWUSER"));
        await Expect.ProblemAsync(await fixture.Operator.GetAsync($"/v1/admin/merchants/{world.Fill("NEWMERCHANT")}"), HttpStatusCode.NotFound, "merchant_not_found");
        var merchant = await Expect.StatusAsync(await fixture.Operator.GetAsync($"/v1/admin/merchants/{world.MerchantId}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, merchant.GetProperty("callbackUrl").ValueKind);
        // The merchant's key still works: its credentials were not rotated.
        var apiKey = (await fixture.MerchantAsync(world.MerchantId)).ApiKey;
        await Expect.StatusAsync(await fixture.MerchantClient(world.MerchantId, apiKey).GetAsync($"/v1/merchant/orders/{world.OrderId}"), HttpStatusCode.OK);
    }

    [Fact]
    public void Every_endpoint_that_reads_a_body_has_a_duplicate_property_row()
    {
        var bodyRoutes = fixture.Routes
            .Where(r => r.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains("POST") == true
                && r.RoutePattern.RawText!.TrimStart('/').StartsWith("v1/", StringComparison.Ordinal))
            .Select(r => "POST /" + r.RoutePattern.RawText!.Trim('/'))
            .ToHashSet();
        Assert.Equal(bodyRoutes.Order(), BodyRoutes.Values.Distinct().Order());
        Assert.Equal(BodyRoutes.Keys.Order(), DuplicatePropertyBodies.Select(row => (string)row[0]).Distinct().Order());
    }

    [Fact]
    public async Task After_a_duplicate_property_is_refused_the_same_order_sent_once_is_created()
    {
        var world = await WorldAsync();
        var twice = world.Fill("""{"merchantId":"MERCHANT","merchantOrderNo":"DUP-2","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":1,"unitPriceFen":100000,"quantity":1}]}""");
        await Expect.ProblemAsync(await _api.PostRawAsync("/v1/orders", twice), HttpStatusCode.BadRequest, "malformed_json");

        // The refusal kept nothing (the order number is free) and the API goes on serving.
        var once = world.Fill("""{"merchantId":"MERCHANT","merchantOrderNo":"DUP-2","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100000,"quantity":1}]}""");
        var order = await Expect.StatusAsync(await _api.PostRawAsync("/v1/orders", once), HttpStatusCode.Created);
        Assert.Equal(100_000, Expect.Fen(order, "totalFen"));
        Assert.Equal(100_000, Expect.Fen(order.GetProperty("items")[0], "unitPriceFen"));
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [MemberData(nameof(InvalidNationalIds))]
    public async Task An_invalid_national_id_is_400_invalid_national_id_and_opens_nothing(string nationalId)
    {
        var userId = ApiSteps.Unique("u");
        var problem = await Expect.ProblemAsync(await OpenAsync(userId, nationalId: nationalId), HttpStatusCode.BadRequest, "invalid_national_id");
        Assert.DoesNotContain(nationalId, problem.GetRawText(), StringComparison.Ordinal);
        await AssertNoVoucherAsync(userId);
    }

    [Fact]
    public async Task An_unknown_region_is_422_unknown_region_and_opens_nothing()
    {
        // The platform insures this person in Beijing (110100), for which no policy is configured.
        var userId = ApiSteps.Unique("u");
        await Expect.ProblemAsync(await OpenAsync(userId, nationalId: "11010519491231002X", region: "110100"), (HttpStatusCode)422, "unknown_region");
        await AssertNoVoucherAsync(userId);
    }

    [Theory]
    [InlineData("33A100")]
    [InlineData("3301000")]
    [InlineData("33010")]
    [InlineData(" 330100")]
    public async Task A_malformed_region_is_400_invalid_region_and_opens_nothing(string region)
    {
        var userId = ApiSteps.Unique("u");
        await Expect.ProblemAsync(await OpenAsync(userId, region: region), HttpStatusCode.BadRequest, "invalid_region");
        await AssertNoVoucherAsync(userId);
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("Employee")]
    [InlineData("1")]
    public async Task An_unknown_insurance_type_is_400_invalid_insurance_type_and_opens_nothing(string insuranceType)
    {
        var userId = ApiSteps.Unique("u");
        await Expect.ProblemAsync(await OpenAsync(userId, insuranceType: insuranceType), HttpStatusCode.BadRequest, "invalid_insurance_type");
        await AssertNoVoucherAsync(userId);
    }

    [Theory]
    // The voucher's user id is the token's subject: a body that names any other, as every malformed id is, is refused.
    [InlineData("user id", "张三", "user_mismatch")]
    [InlineData("user/id", "张三", "user_mismatch")]
    [InlineData("LONG", "张三", "user_mismatch")]
    [InlineData("USER", "   ", "invalid_full_name")]
    [InlineData("USER", "张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三张三X", "invalid_full_name")]
    public async Task An_invalid_user_id_or_name_is_refused_and_opens_nothing(string userId, string fullName, string code)
    {
        var user = userId switch
        {
            "USER" => ApiSteps.Unique("u"),
            "LONG" => "u" + new string('x', 64),
            _ => userId,
        };
        await Expect.ProblemAsync(await OpenAsync(user, fullName: fullName), code == "user_mismatch" ? HttpStatusCode.Forbidden : HttpStatusCode.BadRequest, code);
        if (userId == "USER")
        {
            await AssertNoVoucherAsync(user);
        }
    }

    [Theory]
    [InlineData("open voucher")]
    [InlineData("read voucher")]
    [InlineData("authorize")]
    [InlineData("create order")]
    [InlineData("read order")]
    public async Task An_id_too_long_for_a_storage_key_is_a_4xx_problem_not_a_503(string request)
    {
        // 1,100 characters fit in a request line but not in an Azure table key (1 KiB); the API must refuse or not find them,
        // not answer "service unavailable, retry".
        var longId = "x" + new string('9', 1100);
        var response = request switch
        {
            "open voucher" => await OpenAsync(longId),
            "read voucher" => await _http.GetAsync($"/v1/vouchers/{longId}"),
            "authorize" => await _http.PostAsJsonAsync($"/v1/vouchers/{longId}/authorizations", new { merchantId = "m1", maxAmountFen = 100 }),
            "create order" => await _http.PostAsJsonAsync("/v1/orders", new { merchantId = "m1", merchantOrderNo = longId, userId = (await _api.OpenVoucherAsync()).UserId, items = new[] { ApiSteps.Item() } }),
            _ => await _http.GetAsync($"/v1/orders/m1~{longId}"),
        };
        var (status, code) = request switch
        {
            "open voucher" => (HttpStatusCode.Forbidden, "user_mismatch"),
            "read voucher" or "authorize" => (HttpStatusCode.NotFound, "voucher_not_found"),
            "create order" => (HttpStatusCode.BadRequest, "invalid_merchant_order_no"),
            _ => (HttpStatusCode.NotFound, "order_not_found"),
        };
        await Expect.ProblemAsync(response, status, code);
    }

    [Fact]
    public async Task An_unknown_user_is_404_voucher_not_found_on_read_authorize_and_status()
    {
        var userId = ApiSteps.Unique("nobody");
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(
            await _http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId = "m1", maxAmountFen = 100 }), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(
            await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended" }), HttpStatusCode.NotFound, "voucher_not_found");
        await AssertNoVoucherAsync(userId);
    }

    [Fact]
    public async Task An_order_for_an_unknown_user_is_404_voucher_not_found_and_stores_nothing()
    {
        var userId = ApiSteps.Unique("nobody");
        var merchantId = ApiSteps.Unique("m");
        var request = new { merchantId, merchantOrderNo = "RX-1", userId, items = new[] { ApiSteps.Item() } };
        await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/orders", request), HttpStatusCode.NotFound, "voucher_not_found");
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{merchantId}~RX-1"), HttpStatusCode.NotFound, "order_not_found");

        // Nothing was kept: the same pair with other content is not a conflict later.
        var (realUser, _) = await _api.OpenVoucherAsync();
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/orders", request with { userId = realUser }), HttpStatusCode.Created);
    }

    public static TheoryData<string, string> BadItems => new()
    {
        { """[]""", "empty_items" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":-1,"quantity":1}]""", "invalid_price" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":0,"quantity":1}]""", "invalid_price" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":9223372036854775807,"quantity":2}]""", "amount_overflow" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":9223372036854775807,"quantity":1},{"code":"A2","name":"drug","category":"B","unitPriceFen":9223372036854775807,"quantity":1}]""", "amount_overflow" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":10000000001,"quantity":1}]""", "amount_overflow" },
        { """[{"code":"A1","name":"drug","category":"D","unitPriceFen":100,"quantity":1}]""", "unknown_category" },
        { """[{"code":"A1","name":"drug","category":"","unitPriceFen":100,"quantity":1}]""", "invalid_request" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":0}]""", "invalid_quantity" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":-3}]""", "invalid_quantity" },
        { """[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":100001}]""", "invalid_quantity" },
        { """[null]""", "invalid_item" },
        { """[{"code":"   ","name":"drug","category":"A","unitPriceFen":100,"quantity":1}]""", "invalid_item" },
        { "[" + string.Join(",", Enumerable.Range(0, 201).Select(i => $$"""{"code":"C{{i}}","name":"drug","category":"C","unitPriceFen":1,"quantity":1}""")) + "]", "too_many_items" },
    };

    [Theory]
    [MemberData(nameof(BadItems))]
    public async Task Bad_items_are_400_with_their_code_and_create_no_order(string items, string code)
    {
        var world = await WorldAsync();
        var body = $$"""{"merchantId":"{{world.MerchantId}}","merchantOrderNo":"NEW-1","userId":"{{world.UserId}}","items":{{items}}}""";
        await Expect.ProblemAsync(await _api.PostRawAsync("/v1/orders", body), HttpStatusCode.BadRequest, code);
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{world.MerchantId}~NEW-1"), HttpStatusCode.NotFound, "order_not_found");
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    // The order's merchant is the credential's: a body that names any other, as every malformed id is, is refused.
    [InlineData("m~x", "RX-1", "merchant_mismatch")]
    [InlineData("m/x", "RX-1", "merchant_mismatch")]
    [InlineData("MERCHANT", "RX~1", "invalid_merchant_order_no")]
    [InlineData("MERCHANT", "RX 1", "invalid_merchant_order_no")]
    [InlineData("MERCHANT", "RX/1", "invalid_merchant_order_no")]
    public async Task Bad_order_identifiers_are_refused_and_create_no_order(string merchantId, string merchantOrderNo, string code)
    {
        var world = await WorldAsync();
        var request = new { merchantId = world.Fill(merchantId), merchantOrderNo, userId = world.UserId, items = new[] { ApiSteps.Item() } };
        var client = fixture.MerchantClient(world.MerchantId, (await fixture.MerchantAsync(world.MerchantId)).ApiKey);
        await Expect.ProblemAsync(await client.PostAsJsonAsync("/v1/orders", request), code == "merchant_mismatch" ? HttpStatusCode.Forbidden : HttpStatusCode.BadRequest, code);
        await world.AssertUnchangedAsync(_api);
    }

    [Fact]
    public async Task An_unknown_order_is_404_order_not_found_on_read_and_pay()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var code = await _api.AuthorizeAsync(userId, merchantId);
        var orderId = $"{merchantId}~never-created";
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await _api.PayAsync(orderId, code), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");

        // The consent was not spent on the missing order.
        var real = await _api.CreateOrderAsync(userId, merchantId);
        await Expect.StatusAsync(await _api.PayAsync(real, code), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("no-tilde-at-all")]
    [InlineData("~RX-1")]
    [InlineData("m1~")]
    [InlineData("m1~RX~1")]
    public async Task A_malformed_order_id_is_404_order_not_found(string orderId)
    {
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");
        await Expect.ProblemAsync(await _api.PayAsync(orderId, "ACUNKNOWN"), HttpStatusCode.NotFound, "order_not_found");
    }

    [Theory]
    [InlineData("GET", "/v1/nothing")]
    [InlineData("GET", "/v2/orders/m1~RX-1")]
    [InlineData("POST", "/v1/orders/m1~RX-1/unknown")]
    [InlineData("GET", "/nothing")]
    [InlineData("GET", "/consoles")]
    public async Task An_unknown_route_is_404_not_found(string method, string path)
    {
        var response = await fixture.Operator.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : JsonContent.Create(new { }) });
        await Expect.ProblemAsync(response, HttpStatusCode.NotFound, "not_found");
        // Without a credential nothing is told apart, not even which routes exist.
        var anonymous = await fixture.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : JsonContent.Create(new { }) });
        await Expect.ProblemAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("DELETE", "/v1/orders")]
    [InlineData("GET", "/v1/orders")]
    [InlineData("PUT", "/v1/orders/m1~RX-1")]
    [InlineData("DELETE", "/v1/vouchers/u1")]
    [InlineData("GET", "/v1/orders/m1~RX-1/payments")]
    [InlineData("PATCH", "/v1/vouchers/u1/status")]
    public async Task A_wrong_method_is_405_method_not_allowed(string method, string path)
    {
        var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : JsonContent.Create(new { }) });
        await Expect.ProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Theory]
    [InlineData("order")]
    [InlineData("open")]
    [InlineData("pay")]
    public async Task A_body_over_1_MiB_is_413_payload_too_large(string endpoint)
    {
        var world = await WorldAsync();
        var padding = new string('x', 1024 * 1024 + 16);
        var body = endpoint switch
        {
            "order" => $$"""{"merchantId":"{{world.MerchantId}}","merchantOrderNo":"BIG-1","userId":"{{world.UserId}}","items":[{"code":"A1","name":"{{padding}}","category":"A","unitPriceFen":100,"quantity":1}]}""",
            "open" => $$"""{"userId":"{{ApiSteps.Unique("u")}}","fullName":"{{padding}}","nationalId":"x","insuredRegion":"330100","insuranceType":"employee"}""",
            _ => $$"""{"authCode":"{{padding}}"}""",
        };
        // Expect: 100-continue, as a client sending a large body should: the server answers before the body is on the wire,
        // so the refusal cannot race the upload (which would otherwise end in a broken pipe on the client's side).
        var request = new HttpRequestMessage(HttpMethod.Post, world.Path(endpoint)) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        await Expect.ProblemAsync(await _http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/orders/{world.MerchantId}~BIG-1"), HttpStatusCode.NotFound, "order_not_found");
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [InlineData("""{"merchantId":"bad id","maxAmountFen":100}""", "invalid_merchant_id")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":0}""", "invalid_amount")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":-5}""", "invalid_amount")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":10000000001}""", "invalid_amount")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":100,"validForMinutes":0}""", "invalid_validity")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":100,"validForMinutes":61}""", "invalid_validity")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":100,"merchantOrderNo":"RX/1"}""", "invalid_merchant_order_no")]
    [InlineData("""{"merchantId":"MERCHANT","maxAmountFen":100,"merchantOrderNo":""}""", "invalid_merchant_order_no")]
    public async Task A_bad_authorization_request_is_400_with_its_code(string body, string code)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _api.PostRawAsync(world.Path("authorize"), world.Fill(body)), HttpStatusCode.BadRequest, code);
        await world.AssertUnchangedAsync(_api);
    }

    [Theory]
    [InlineData("frozen")]
    [InlineData("Active")]
    [InlineData("")]
    public async Task An_unknown_voucher_status_is_400_invalid_request_and_changes_nothing(string status)
    {
        var world = await WorldAsync();
        await Expect.ProblemAsync(await _http.PostAsJsonAsync(world.Path("status"), new { status }), HttpStatusCode.BadRequest, "invalid_request");
        await world.AssertUnchangedAsync(_api);
    }

    [Fact]
    public async Task A_negative_cash_limit_is_400_invalid_amount_and_leaves_the_order_payable()
    {
        var world = await WorldAsync();
        var code = await _api.AuthorizeAsync(world.UserId, world.MerchantId);
        await Expect.ProblemAsync(await _api.PayAsync(world.OrderId, code, maxCashFen: -1), HttpStatusCode.BadRequest, "invalid_amount");
        await world.AssertUnchangedAsync(_api);
        await Expect.StatusAsync(await _api.PayAsync(world.OrderId, code), HttpStatusCode.OK);
    }

    private Task<HttpResponseMessage> OpenAsync(
        string userId, string fullName = "张三", string? nationalId = null, string region = "330100", string insuranceType = "employee") =>
        _http.PostAsJsonAsync("/v1/vouchers", new { userId, fullName, nationalId = nationalId ?? Ids.WithSequence(500), insuredRegion = region, insuranceType });

    private async Task AssertNoVoucherAsync(string userId) =>
        await Expect.ProblemAsync(await _http.GetAsync($"/v1/vouchers/{userId}"), HttpStatusCode.NotFound, "voucher_not_found");

    private static TheoryData<string, string> Cross(string[] bodies)
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var body in bodies)
            {
                data.Add(endpoint, body);
            }
        }

        return data;
    }

    /// <summary>A fresh voucher (balance 500,000 fen) with one unpaid order, and what both must still look like after a refusal.</summary>
    private async Task<World> WorldAsync()
    {
        var (userId, nationalId) = await _api.OpenVoucherAsync(500);
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        return new(userId, nationalId, merchantId, orderId);
    }

    private sealed record World(string UserId, string NationalId, string MerchantId, string OrderId)
    {
        public string Path(string endpoint) => endpoint switch
        {
            "open" => "/v1/vouchers",
            "authorize" => $"/v1/vouchers/{UserId}/authorizations",
            "status" => $"/v1/vouchers/{UserId}/status",
            "order" => "/v1/orders",
            "pay" => $"/v1/orders/{OrderId}/payments",
            "order with idempotency key" => "/v1/orders",
            "merchant pay" => $"/v1/merchant/orders/{OrderId}/payments",
            "refund" => $"/v1/orders/{OrderId}/refunds",
            "cancel" => $"/v1/orders/{OrderId}/cancel",
            "register merchant" => "/v1/admin/merchants",
            "rotate credentials" => $"/v1/admin/merchants/{MerchantId}/credentials",
            "set callback" => $"/v1/admin/merchants/{MerchantId}/callback",
            "resolve review" => $"/v1/admin/review/{OrderId}/resolve",
            "resend notifications" => $"/v1/admin/orders/{OrderId}/notifications/resend",
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        public string ValidBody(string endpoint) => endpoint switch
        {
            "open" => Fill("""{"userId":"USER","fullName":"张三","nationalId":"NID","insuredRegion":"330100","insuranceType":"employee"}"""),
            "authorize" => Fill("""{"merchantId":"MERCHANT","maxAmountFen":100000}"""),
            "status" => """{"status":"active"}""",
            "order" => Fill("""{"merchantId":"MERCHANT","merchantOrderNo":"NO","userId":"USER","items":[{"code":"A1","name":"drug","category":"A","unitPriceFen":100,"quantity":1}]}"""),
            "pay" => """{"authCode":"ACNOTACODE"}""",
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        public string Fill(string template) =>
            new StringBuilder(template).Replace("MERCHANT", MerchantId).Replace("USER", UserId).Replace("NID", NationalId).ToString();

        public async Task AssertUnchangedAsync(ApiSteps api)
        {
            var voucher = await api.VoucherAsync(UserId);
            Assert.Equal("active", voucher.GetProperty("status").GetString());
            Assert.Equal(500_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
            Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
            var order = await api.OrderAsync(OrderId);
            Assert.Equal("created", order.GetProperty("status").GetString());
            Assert.Single(order.GetProperty("history").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, order.GetProperty("settlementId").ValueKind);
        }
    }
}
