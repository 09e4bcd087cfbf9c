using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MedPay.ApiTests;

/// <summary>The public HTTP contract: status codes, locations and the JSON shape of every successful response.</summary>
[Collection(ApiCollection.Name)]
public sealed class ContractTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private readonly ApiSteps _api = new(fixture.Http);

    [Fact]
    public async Task The_happy_path_answers_camelCase_json_with_integer_fen_and_snake_case_statuses()
    {
        var userId = ApiSteps.Unique("u");
        var merchantId = ApiSteps.Unique("m");
        var nationalId = Ids.WithSequence(500);
        var bodies = new List<string>();

        // Open the voucher.
        var opened = await _http.PostAsJsonAsync("/v1/vouchers", new { userId, fullName = "张三", nationalId, insuredRegion = "330100", insuranceType = "employee" });
        bodies.Add(await opened.Content.ReadAsStringAsync());
        var voucher = await Expect.StatusAsync(opened, HttpStatusCode.Created);
        AssertVoucherShape(voucher, userId, nationalId);
        Assert.Equal(500_000, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal("active", voucher.GetProperty("status").GetString());

        // Authorize.
        var authorized = await _http.PostAsJsonAsync($"/v1/vouchers/{userId}/authorizations", new { merchantId, maxAmountFen = 100_000 });
        var auth = await Expect.StatusAsync(authorized, HttpStatusCode.Created);
        Expect.HasMembers(auth, "authCode", "merchantId", "maxAmountFen", "merchantOrderNo", "expiresAt");
        Assert.Equal(merchantId, auth.GetProperty("merchantId").GetString());
        Assert.Equal(100_000, Expect.Fen(auth, "maxAmountFen"));
        Assert.Equal(JsonValueKind.Null, auth.GetProperty("merchantOrderNo").ValueKind);
        Assert.InRange(auth.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(16));
        Assert.False(string.IsNullOrWhiteSpace(auth.GetProperty("authCode").GetString()));

        // Create the order.
        var created = await _http.PostAsJsonAsync("/v1/orders", new
        {
            merchantId, merchantOrderNo = "RX-1", userId,
            items = new object[] { ApiSteps.Item("A", 20_000, 2, "A1") },
        });
        bodies.Add(await created.Content.ReadAsStringAsync());
        var order = await Expect.StatusAsync(created, HttpStatusCode.Created);
        var orderId = order.GetProperty("orderId").GetString()!;
        AssertOrderShape(order);
        Assert.Equal($"{merchantId}~RX-1", orderId);
        Assert.Equal("created", order.GetProperty("status").GetString());
        Assert.Equal(40_000, Expect.Fen(order, "totalFen"));
        var item = Assert.Single(order.GetProperty("items").EnumerateArray());
        Expect.HasMembers(item, "code", "name", "category", "unitPriceFen", "quantity", "amountFen");
        Assert.Equal("A", item.GetProperty("category").GetString());
        Assert.Equal(20_000, Expect.Fen(item, "unitPriceFen"));
        Assert.Equal(2, item.GetProperty("quantity").GetInt32());
        Assert.Equal(40_000, Expect.Fen(item, "amountFen"));
        foreach (var none in new[] { "split", "settlementId", "platformSettlementRef", "failure" })
        {
            Assert.Equal(JsonValueKind.Null, order.GetProperty(none).ValueKind);
        }

        // Pay.
        var paid = await _http.PostAsJsonAsync($"/v1/orders/{orderId}/payments", new { authCode = auth.GetProperty("authCode").GetString() });
        bodies.Add(await paid.Content.ReadAsStringAsync());
        var payment = await Expect.StatusAsync(paid, HttpStatusCode.OK);
        Expect.HasMembers(payment, "orderId", "status", "settlementId", "split", "platformSettlementRef", "failure");
        Assert.Equal(orderId, payment.GetProperty("orderId").GetString());
        Assert.Equal("settled", payment.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(payment.GetProperty("settlementId").GetString()));
        Assert.False(string.IsNullOrEmpty(payment.GetProperty("platformSettlementRef").GetString()));
        Assert.Equal(JsonValueKind.Null, payment.GetProperty("failure").ValueKind);
        var split = payment.GetProperty("split");
        Expect.HasMembers(split, "fundFen", "personalAccountFen", "cashFen");
        Assert.Equal(8_500, Expect.Fen(split, "fundFen"));
        Assert.Equal(31_500, Expect.Fen(split, "personalAccountFen"));
        Assert.Equal(0, Expect.Fen(split, "cashFen"));

        // Read both back.
        var settled = await _http.GetAsync($"/v1/orders/{orderId}");
        bodies.Add(await settled.Content.ReadAsStringAsync());
        var view = await Expect.StatusAsync(settled, HttpStatusCode.OK);
        AssertOrderShape(view);
        Assert.Equal("settled", view.GetProperty("status").GetString());
        Assert.Equal(payment.GetProperty("settlementId").GetString(), view.GetProperty("settlementId").GetString());
        Assert.Equal(40_000, Expect.Fen(view.GetProperty("split"), "fundFen") + Expect.Fen(view.GetProperty("split"), "personalAccountFen") + Expect.Fen(view.GetProperty("split"), "cashFen"));

        var read = await _http.GetAsync($"/v1/vouchers/{userId}");
        bodies.Add(await read.Content.ReadAsStringAsync());
        AssertVoucherShape(await Expect.StatusAsync(read, HttpStatusCode.OK), userId, nationalId);

        Assert.All(bodies, body => Assert.DoesNotContain(nationalId, body, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Opening_a_voucher_answers_201_with_its_location_and_an_identical_repeat_answers_200_with_the_same_voucher()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(321);
        var request = new { userId, fullName = "李四", nationalId, insuredRegion = "330100", insuranceType = "employee" };

        var first = await _http.PostAsJsonAsync("/v1/vouchers", request);
        var opened = await Expect.StatusAsync(first, HttpStatusCode.Created);
        Assert.Equal($"/v1/vouchers/{userId}", first.Headers.Location?.OriginalString);
        var again = await _http.PostAsJsonAsync("/v1/vouchers", request);
        var repeated = await Expect.StatusAsync(again, HttpStatusCode.OK);

        Assert.Equal(opened.GetProperty("voucherNo").GetString(), repeated.GetProperty("voucherNo").GetString());
        Assert.Equal(opened.GetProperty("openedAt").GetDateTimeOffset(), repeated.GetProperty("openedAt").GetDateTimeOffset());
        Assert.Equal(321_000, Expect.Fen(repeated, "personalAccountBalanceFen"));
        AssertVoucherShape(repeated, userId, nationalId, "李*");
    }

    [Fact]
    public async Task The_full_national_id_never_appears_in_a_response_only_its_mask()
    {
        var userId = ApiSteps.Unique("u");
        var nationalId = Ids.WithSequence(42);
        var otherId = Ids.WithSequence(43);
        var texts = new List<string>();
        var request = new { userId, fullName = "王五", nationalId, insuredRegion = "330100", insuranceType = "employee" };
        foreach (var response in new[]
        {
            await _http.PostAsJsonAsync("/v1/vouchers", request),
            await _http.PostAsJsonAsync("/v1/vouchers", request),
            await _http.GetAsync($"/v1/vouchers/{userId}"),
            await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "suspended" }),
            await fixture.Operator.PostAsJsonAsync($"/v1/vouchers/{userId}/status", new { status = "active" }),
        })
        {
            texts.Add(await response.Content.ReadAsStringAsync());
        }

        // Another person verified on the same account is refused; the refusal echoes neither number.
        var refusal = await (await _http.PostAsJsonAsync("/v1/vouchers", request with { nationalId = otherId })).Content.ReadAsStringAsync();
        Assert.Contains("identity_mismatch", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(nationalId[6..14], refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(otherId[6..14], refusal, StringComparison.Ordinal);

        var masked = Ids.Masked(nationalId);
        Assert.Equal(nationalId[0] + "****************" + nationalId[17], masked);
        foreach (var birthDate in new[] { nationalId[6..14], otherId[6..14] })
        {
            Assert.All(texts, text => Assert.DoesNotContain(birthDate, text, StringComparison.Ordinal));
        }

        Assert.All(texts, text => Assert.Contains($"\"nationalIdMasked\":\"{masked}\"", text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reopening_as_another_person_is_403_identity_mismatch_and_changes_nothing()
    {
        var userId = ApiSteps.Unique("u");
        var otherId = Ids.WithSequence(11);
        var request = new { userId, fullName = "赵六", nationalId = Ids.WithSequence(10), insuredRegion = "330100", insuranceType = "employee" };
        var opened = await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", request), HttpStatusCode.Created);

        // The same person again (a type sent again changes nothing): the voucher as it is.
        var answer = await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", request with { insuranceType = "resident" }), HttpStatusCode.OK);
        Assert.Equal(opened.GetRawText(), answer.GetRawText());

        // A body naming another person than the verified one: refused, echoing neither.
        foreach (var other in new[] { request with { nationalId = otherId }, request with { fullName = "钱七" } })
        {
            var refused = await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/vouchers", other), HttpStatusCode.Forbidden, "identity_mismatch");
            Assert.DoesNotContain(otherId[6..14], refused.GetRawText(), StringComparison.Ordinal);
        }

        // The other identity was not bound to anyone: its person opens a voucher of their own.
        var owner = ApiSteps.Unique("u");
        await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/vouchers", request with { userId = owner, nationalId = otherId }), HttpStatusCode.Created);

        var after = await _api.VoucherAsync(userId);
        Assert.Equal(opened.GetProperty("voucherNo").GetString(), after.GetProperty("voucherNo").GetString());
        Assert.Equal(10_000, Expect.Fen(after, "personalAccountBalanceFen"));
        Assert.Equal("employee", after.GetProperty("insuranceType").GetString());
    }

    [Fact]
    public async Task Creating_an_order_answers_201_an_identical_repeat_200_and_other_items_409_order_conflict()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var request = new { merchantId, merchantOrderNo = "RX.2024-001", userId, items = new[] { ApiSteps.Item("B", 12_345, 3, "B7") } };

        var first = await _http.PostAsJsonAsync("/v1/orders", request);
        var created = await Expect.StatusAsync(first, HttpStatusCode.Created);
        var orderId = created.GetProperty("orderId").GetString()!;
        Assert.Equal($"/v1/orders/{orderId}", first.Headers.Location?.OriginalString);
        Assert.Equal(37_035, Expect.Fen(created, "totalFen"));

        var repeated = await Expect.StatusAsync(await _http.PostAsJsonAsync("/v1/orders", request), HttpStatusCode.OK);
        Assert.Equal(orderId, repeated.GetProperty("orderId").GetString());
        Assert.Equal("created", repeated.GetProperty("status").GetString());
        Assert.Equal(created.GetProperty("createdAt").GetDateTimeOffset(), repeated.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Single(repeated.GetProperty("history").EnumerateArray());

        var other = request with { items = [ApiSteps.Item("B", 12_345, 4, "B7")] };
        await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/orders", other), HttpStatusCode.Conflict, "order_conflict");
        var otherUser = request with { userId = (await _api.OpenVoucherAsync()).UserId };
        await Expect.ProblemAsync(await _http.PostAsJsonAsync("/v1/orders", otherUser), HttpStatusCode.Conflict, "order_conflict");

        var kept = await _api.OrderAsync(orderId);
        Assert.Equal(37_035, Expect.Fen(kept, "totalFen"));
        Assert.Equal(3, kept.GetProperty("items")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(userId, kept.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task A_paid_order_has_the_history_created_paying_settled_each_with_time_status_and_cause()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);

        var order = await _api.OrderAsync(orderId);
        var history = order.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(new[] { "created", "paying", "settled" }, history.Select(h => h.GetProperty("status").GetString()!));
        foreach (var entry in history)
        {
            Expect.HasMembers(entry, "at", "status", "cause");
            Assert.InRange(entry.GetProperty("at").GetDateTimeOffset(), before, DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("cause").GetString()));
        }

        var times = history.Select(h => h.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(times[0], order.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(times[^1], order.GetProperty("updatedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Order_ids_contain_a_tilde_and_work_unescaped_and_percent_escaped_in_the_path()
    {
        var (userId, _) = await _api.OpenVoucherAsync();
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId, "RX.7");
        Assert.Equal($"{merchantId}~RX.7", orderId);

        var plain = await _api.OrderAsync(orderId);
        Assert.Equal(orderId, plain.GetProperty("orderId").GetString());

        // System.Uri would turn %7E back into '~'; keep the escape on the wire.
        var escaped = Escaped($"/v1/orders/{merchantId}%7ERX.7");
        Assert.Contains("%7E", escaped.PathAndQuery, StringComparison.Ordinal);
        var viaEscape = await Expect.StatusAsync(await _http.GetAsync(escaped), HttpStatusCode.OK);
        Assert.Equal(orderId, viaEscape.GetProperty("orderId").GetString());

        var code = await _api.AuthorizeAsync(userId, merchantId);
        var paid = await _http.PostAsJsonAsync(Escaped($"/v1/orders/{merchantId}%7ERX.7/payments"), new { authCode = code });
        var payment = await Expect.StatusAsync(paid, HttpStatusCode.OK);
        Assert.Equal(orderId, payment.GetProperty("orderId").GetString());
        Assert.Equal("settled", (await _api.OrderAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_voucher_shows_the_balance_and_the_years_accumulators_after_a_payment()
    {
        var (userId, _) = await _api.OpenVoucherAsync(500);
        var merchantId = ApiSteps.Unique("m");
        var orderId = await _api.CreateOrderAsync(userId, merchantId);
        var payment = await Expect.StatusAsync(await _api.PayAsync(orderId, await _api.AuthorizeAsync(userId, merchantId)), HttpStatusCode.OK);
        var personal = Expect.Fen(payment.GetProperty("split"), "personalAccountFen");

        var voucher = await _api.VoucherAsync(userId);
        Assert.Equal(500_000 - personal, Expect.Fen(voucher, "personalAccountBalanceFen"));
        Assert.Equal(468_500, Expect.Fen(voucher, "personalAccountBalanceFen"));
        // Read right after the settled answer: committed, nothing left reserved, all of it available.
        Assert.Equal(0, Expect.Fen(voucher, "reservedFen"));
        Assert.Equal(468_500, Expect.Fen(voucher, "availableBalanceFen"));
        var year = voucher.GetProperty("accumulators");
        Assert.Equal(DateTimeOffset.UtcNow.Year, year.GetProperty("year").GetInt32());
        Assert.Equal(30_000, Expect.Fen(year, "deductibleUsedFen"));
        Assert.Equal(8_500, Expect.Fen(year, "fundPaidFen"));
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_200()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_json_and_lists_the_order_and_voucher_paths()
    {
        var response = await _http.GetAsync("/openapi/v1.json");
        var document = await Expect.StatusAsync(response, HttpStatusCode.OK);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var path in new[] { "/v1/orders", "/v1/orders/{orderId}", "/v1/orders/{orderId}/payments", "/v1/vouchers", "/v1/vouchers/{userId}", "/v1/vouchers/{userId}/authorizations" })
        {
            Assert.Contains(path, paths);
        }
    }

    [Fact]
    public async Task The_openapi_document_names_every_operation_says_who_may_call_it_and_describes_every_problem_with_one_schema()
    {
        var document = await Expect.StatusAsync(await fixture.Anonymous.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var components = document.GetProperty("components");
        var schemes = components.GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("userToken").GetProperty("scheme").GetString());
        Assert.Equal("JWT", schemes.GetProperty("userToken").GetProperty("bearerFormat").GetString());
        Assert.Equal("{merchantId}.{apiKey}", schemes.GetProperty("merchantKey").GetProperty("bearerFormat").GetString());

        var operationIds = new List<string>();
        var security = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var (method, operation) in path.Value.EnumerateObject().Select(o => (o.Name, o.Value)))
            {
                var where = $"{method} {path.Name}";
                var operationId = operation.GetProperty("operationId").GetString()!;
                operationIds.Add(operationId);
                Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), where);
                Assert.Contains("Caller: ", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
                security[operationId] = string.Join(" | ", operation.GetProperty("security").EnumerateArray().Select(r => string.Join(" ", r.EnumerateObject().Select(s => s.Name))));
                var responses = operation.GetProperty("responses");
                Assert.True(responses.TryGetProperty("401", out _), $"{where} declares no 401");
                foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                {
                    var content = response.Value.GetProperty("content").EnumerateObject().ToList();
                    var problem = Assert.Single(content);
                    Assert.Equal("application/problem+json", problem.Name);
                    Assert.Equal("#/components/schemas/Problem", problem.Value.GetProperty("schema").GetProperty("$ref").GetString());
                }

                var headers = operation.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.TryGetProperty("$ref", out _)).Select(p => p.GetProperty("$ref").GetString()).ToList()
                    : [];
                Assert.Equal(method == "post", headers.Contains("#/components/parameters/IdempotencyKey"));
            }
        }

        Assert.Equal(24, operationIds.Count);
        Assert.Equal(operationIds.Count, operationIds.Distinct(StringComparer.Ordinal).Count());
        // Read from each endpoint's authorization policies: a person's token, a merchant's credential, or either.
        Assert.Equal("userToken", security["openVoucher"]);
        Assert.Equal("userToken", security["setVoucherStatus"]);
        Assert.Equal("merchantKey", security["createOrder"]);
        Assert.Equal("merchantKey", security["refundOrder"]);
        Assert.Equal("userToken | merchantKey", security["getOrder"]);
        Assert.Equal("userToken", security["listAudit"]);
        Assert.Equal("userToken", security["getPlatformReconciliation"]);
        Assert.Equal("merchantKey", security["getReconciliation"]);

        // Requests require only what the API requires: userId is the token's subject, the person its verified claims, merchantId the credential's.
        var schemas = components.GetProperty("schemas");
        string[] Required(string schema) => [.. schemas.GetProperty(schema).GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order()];
        // The person comes from the token's verified claims: nothing of it is required from the body.
        Assert.False(schemas.GetProperty("OpenVoucherRequest").TryGetProperty("required", out var openRequired), $"OpenVoucherRequest requires {openRequired}");
        Assert.Equal(["maxAmountFen", "merchantId"], Required("AuthorizeRequest"));
        Assert.Equal(["items", "merchantOrderNo", "userId"], Required("CreateOrderRequest"));
        Assert.Equal(["authCode"], Required("PayRequest"));
        Assert.Equal(["amountFen", "refundId"], Required("RefundRequestBody"));

        // Every member of a real problem is declared by the Problem schema.
        var declared = schemas.GetProperty("Problem").GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["code", "detail", "status", "title", "type"], schemas.GetProperty("Problem").GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order());
        var notFound = await Expect.ProblemAsync(await fixture.Operator.GetAsync("/v1/orders/nobody~none"), HttpStatusCode.NotFound, "order_not_found");
        Assert.All(notFound.EnumerateObject(), member => Assert.Contains(member.Name, declared));
    }

    private Uri Escaped(string path) =>
        new(_http.BaseAddress!.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private static void AssertVoucherShape(JsonElement voucher, string userId, string nationalId, string fullNameMasked = "张*")
    {
        Expect.HasMembers(voucher, "userId", "voucherNo", "status", "insuredRegion", "insuranceType", "nationalIdMasked", "fullNameMasked",
            "personalAccountBalanceFen", "reservedFen", "availableBalanceFen", "accumulators", "openedAt");
        Assert.Equal(userId, voucher.GetProperty("userId").GetString());
        Assert.StartsWith("EV330100", voucher.GetProperty("voucherNo").GetString(), StringComparison.Ordinal);
        Assert.Equal("330100", voucher.GetProperty("insuredRegion").GetString());
        Assert.Equal("employee", voucher.GetProperty("insuranceType").GetString());
        Assert.Equal(Ids.Masked(nationalId), voucher.GetProperty("nationalIdMasked").GetString());
        Assert.Equal(fullNameMasked, voucher.GetProperty("fullNameMasked").GetString());
        Expect.Fen(voucher, "personalAccountBalanceFen");
        Expect.Fen(voucher, "reservedFen");
        Assert.Equal(Expect.Fen(voucher, "personalAccountBalanceFen") - Expect.Fen(voucher, "reservedFen"), Expect.Fen(voucher, "availableBalanceFen"));
        Expect.HasMembers(voucher.GetProperty("accumulators"), "year", "deductibleUsedFen", "fundPaidFen");
        Expect.Fen(voucher.GetProperty("accumulators"), "deductibleUsedFen");
        Expect.Fen(voucher.GetProperty("accumulators"), "fundPaidFen");
        voucher.GetProperty("openedAt").GetDateTimeOffset();
        Assert.DoesNotContain(nationalId, voucher.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertOrderShape(JsonElement order)
    {
        Expect.HasMembers(order, "orderId", "merchantId", "merchantOrderNo", "userId", "status", "items", "totalFen", "split", "settlementId",
            "platformSettlementRef", "failure", "history", "createdAt", "updatedAt");
        Assert.Contains('~', order.GetProperty("orderId").GetString()!);
        Assert.Equal(
            $"{order.GetProperty("merchantId").GetString()}~{order.GetProperty("merchantOrderNo").GetString()}",
            order.GetProperty("orderId").GetString());
        Expect.Fen(order, "totalFen");
        Assert.Equal(JsonValueKind.Array, order.GetProperty("items").ValueKind);
        Assert.Equal(JsonValueKind.Array, order.GetProperty("history").ValueKind);
        order.GetProperty("createdAt").GetDateTimeOffset();
        order.GetProperty("updatedAt").GetDateTimeOffset();
    }
}
