using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;

namespace MedPay.ApiTests;

/// <summary>
/// Who may do what, over real HTTP: every route the API maps × every kind of caller → the decision the README's table
/// gives. A route mapped without a row here fails the test, so no route ships without a decision.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AuthorizationMatrixTests(ApiFixture fixture)
{
    public enum Caller
    {
        Anonymous,
        Owner,
        OtherUser,
        // The owner's account, with a token the identity provider verified as another person.
        Impostor,
        // A person (with a voucher of their own) whose token also carries a medpay_merchant_id claim naming the merchant.
        PersonNamingMerchant,
        Merchant,
        OtherMerchant,
        Auditor,
        // Last: some of its allowed actions (rotating the merchant's credentials) change what the others hold.
        Operator,
    }

    /// <summary>Allowed: past every check of who is calling. The rest: refused exactly so.</summary>
    public enum Decision
    {
        Allowed,
        Unauthorized,
        Forbidden,
        NotFound,
    }

    private const Decision A = Decision.Allowed;
    private const Decision F = Decision.Forbidden;
    private const Decision N = Decision.NotFound;

    /// <summary>
    /// Owner, other user, impostor, person naming the merchant, merchant, other merchant, auditor, operator; the anonymous
    /// caller is refused (401) everywhere but where said.
    /// </summary>
    private static readonly Dictionary<string, Decision[]> Table = new()
    {
        ["POST /v1/vouchers"] = [A, A, F, A, F, F, F, F],
        ["GET /v1/vouchers/{userId}"] = [A, N, A, N, F, F, A, A],
        ["POST /v1/vouchers/{userId}/authorizations"] = [A, N, F, N, F, F, N, N],
        ["POST /v1/vouchers/{userId}/status"] = [F, F, F, F, F, F, F, A],
        ["GET /v1/vouchers/{userId}/orders"] = [A, N, A, N, F, F, A, A],
        ["POST /v1/orders"] = [F, F, F, F, A, A, F, F],
        ["GET /v1/orders/{orderId}"] = [A, N, A, N, A, N, A, A],
        ["POST /v1/orders/{orderId}/payments"] = [A, N, A, N, F, F, N, N],
        ["POST /v1/orders/{orderId}/refunds"] = [F, F, F, F, A, N, F, F],
        ["POST /v1/orders/{orderId}/cancel"] = [F, F, F, F, A, N, F, F],
        ["POST /v1/merchant/orders/{orderId}/payments"] = [F, F, F, F, A, N, F, F],
        ["GET /v1/merchant/orders/{orderId}"] = [F, F, F, F, A, N, F, F],
        ["GET /v1/merchant/orders"] = [F, F, F, F, A, A, F, F],
        ["GET /v1/merchant/reconciliation"] = [F, F, F, F, A, A, F, F],
        ["POST /v1/admin/merchants"] = [F, F, F, F, F, F, F, A],
        ["GET /v1/admin/merchants/{merchantId}"] = [F, F, F, F, F, F, A, A],
        ["POST /v1/admin/merchants/{merchantId}/credentials"] = [F, F, F, F, F, F, F, A],
        ["POST /v1/admin/merchants/{merchantId}/callback"] = [F, F, F, F, F, F, F, A],
        ["GET /v1/admin/audit"] = [F, F, F, F, F, F, A, A],
        ["GET /v1/admin/review"] = [F, F, F, F, F, F, A, A],
        ["GET /v1/admin/review/{orderId}"] = [F, F, F, F, F, F, A, A],
        ["POST /v1/admin/review/{orderId}/resolve"] = [F, F, F, F, F, F, F, A],
        ["POST /v1/admin/orders/{orderId}/notifications/resend"] = [F, F, F, F, F, F, F, A],
        ["GET /v1/admin/reconciliation"] = [F, F, F, F, F, F, A, A],
        ["GET /metrics"] = [F, F, F, F, F, F, A, A],
    };

    /// <summary>Open to anyone, the anonymous included.</summary>
    private static readonly HashSet<string> Anonymous = ["GET /health/live", "GET /health/ready", "GET /openapi/{documentName}.json", "POST /connect/token",
        "GET /scalar/{documentName?}", "GET /scalar/scalar.js", "GET /scalar/scalar.aspnetcore.js", "GET /scalar/favicon.svg",
        "GET /", "GET /connect/authorize", "POST /connect/authorize"];

    [Fact]
    public void Every_route_has_a_decision_for_every_caller()
    {
        var mapped = MappedRoutes();
        var undecided = mapped.Where(r => !Table.ContainsKey(r) && !Anonymous.Contains(r)).ToList();
        Assert.True(undecided.Count == 0, "routes without a row in the authorization matrix: " + string.Join(", ", undecided));
        var stale = Table.Keys.Concat(Anonymous).Except(mapped).ToList();
        Assert.True(stale.Count == 0, "rows for routes the API does not map: " + string.Join(", ", stale));
    }

    [Fact]
    public async Task Every_route_answers_every_caller_as_the_table_says()
    {
        var wrong = new List<string>();
        foreach (var route in MappedRoutes())
        {
            // A world of its own for each route: what one caller's allowed request changes does not leak into another route.
            var world = await WorldAsync();
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var expected = Anonymous.Contains(route) ? Decision.Allowed
                    : caller == Caller.Anonymous ? Decision.Unauthorized
                    : Table[route][(int)caller - 1];
                using var response = await world.Client(caller).SendAsync(world.Request(route));
                var text = await response.Content.ReadAsStringAsync();
                var actual = Classify(response.StatusCode, text);
                if (actual != expected)
                {
                    wrong.Add($"{route} as {caller}: expected {expected}, got {(int)response.StatusCode} {Code(text)}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>Every route but the Orleans dashboard's (<see cref="DashboardTests"/>) and the console's pages (<see cref="ConsoleTests"/>).</summary>
    private List<string> MappedRoutes() =>
        [.. fixture.Routes
            .Where(r => !DashboardTests.IsDashboard(r) && !ConsoleTests.IsConsole(r))
            .SelectMany(r => (r.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} /{r.RoutePattern.RawText!.Trim('/')}"))
            .Distinct()
            .Order()];

    /// <summary>What the answer says about the decision, whatever else went right or wrong with the request.</summary>
    private static Decision Classify(HttpStatusCode status, string body) => (status, Code(body)) switch
    {
        (HttpStatusCode.Unauthorized, "unauthorized") => Decision.Unauthorized,
        (HttpStatusCode.Forbidden, "forbidden" or "recent_verification_required" or "verified_claims_required" or "identity_mismatch" or "user_mismatch" or "merchant_mismatch") => Decision.Forbidden,
        (HttpStatusCode.NotFound, "voucher_not_found" or "order_not_found" or "merchant_not_found" or "not_found") => Decision.NotFound,
        (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound, _) when Code(body) is null => Decision.Forbidden,
        _ => Decision.Allowed,
    };

    private static string? Code(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<World> WorldAsync()
    {
        var owner = ApiSteps.Unique("u");
        var other = ApiSteps.Unique("u");
        var namer = ApiSteps.Unique("u");
        var ownerClient = await fixture.UserClientAsync(owner, ("张三", Ids.WithSequence(500)));
        await Expect.StatusAsync(await ownerClient.PostAsJsonAsync("/v1/vouchers", new { userId = owner }), HttpStatusCode.Created);
        var (merchantId, merchantKey, merchant) = await fixture.RegisterMerchantAsync();
        var impostor = fixture.Client(new("Bearer", await fixture.TokenAsync(owner, realName: true, person: ("李四", Ids.WithSequence(501)))));
        var naming = fixture.Client(new("Bearer", await fixture.TokenAsync(namer, realName: true, person: ("王五", Ids.WithSequence(502)), merchantClaim: merchantId)));
        await Expect.StatusAsync(await naming.PostAsJsonAsync("/v1/vouchers", new { userId = namer }), HttpStatusCode.Created);
        var (_, _, otherMerchant) = await fixture.RegisterMerchantAsync();
        var orderNo = ApiSteps.Unique("RX-");
        await Expect.StatusAsync(await merchant.PostAsJsonAsync("/v1/orders", new { merchantOrderNo = orderNo, userId = owner, items = new[] { ApiSteps.Item() } }), HttpStatusCode.Created);
        return new World(fixture, owner, merchantId, $"{merchantId}~{orderNo}", new()
        {
            [Caller.Anonymous] = fixture.Anonymous,
            [Caller.Owner] = ownerClient,
            [Caller.OtherUser] = await fixture.UserClientAsync(other, ("赵六", Ids.WithSequence(503))),
            [Caller.Impostor] = impostor,
            [Caller.PersonNamingMerchant] = naming,
            [Caller.Merchant] = merchant,
            [Caller.OtherMerchant] = otherMerchant,
            [Caller.Auditor] = fixture.Auditor,
            [Caller.Operator] = fixture.Operator,
        });
    }

    private sealed record World(ApiFixture Fixture, string UserId, string MerchantId, string OrderId, Dictionary<Caller, HttpClient> Clients)
    {
        public HttpClient Client(Caller caller) => Clients[caller];

        /// <summary>A well-formed request for the route, so that an allowed caller meets the operation itself.</summary>
        public HttpRequestMessage Request(string route)
        {
            var space = route.IndexOf(' ');
            var method = new HttpMethod(route[..space]);
            var path = route[(space + 1)..]
                .Replace("{userId}", UserId).Replace("{orderId}", OrderId).Replace("{merchantId}", MerchantId).Replace("{documentName}", "v1").Replace("{documentName?}", "v1");
            var day = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            HttpContent? content = route switch
            {
                // The person comes from each caller's verified claims: the body names no one.
                "POST /v1/vouchers" => Json(new { insuredRegion = "330100", insuranceType = "employee" }),
                "POST /v1/vouchers/{userId}/authorizations" => Json(new { merchantId = MerchantId, maxAmountFen = 1_000 }),
                "POST /v1/vouchers/{userId}/status" => Json(new { status = "active", reason = "authorization matrix" }),
                "POST /v1/orders" => Json(new { merchantOrderNo = ApiSteps.Unique("RX-"), userId = UserId, items = new[] { ApiSteps.Item() } }),
                "POST /v1/orders/{orderId}/payments" or "POST /v1/merchant/orders/{orderId}/payments" => Json(new { authCode = "ACNOTACODE" }),
                "POST /v1/orders/{orderId}/refunds" => Json(new { refundId = "r1", amountFen = 1, reason = "authorization matrix" }),
                "POST /v1/orders/{orderId}/cancel" => Json(new { reason = "authorization matrix" }),
                "POST /v1/admin/merchants" => Json(new { merchantId = ApiSteps.Unique("m"), name = "Matrix Pharmacy", institutionCode = "H33010600001", reason = "authorization matrix" }),
                "POST /v1/admin/merchants/{merchantId}/credentials" => Json(new { reason = "authorization matrix" }),
                "POST /v1/admin/merchants/{merchantId}/callback" => Json(new { callbackUrl = (string?)null, reason = "authorization matrix" }),
                "POST /v1/admin/review/{orderId}/resolve" => Json(new { decision = "settle", reason = "authorization matrix" }),
                "POST /v1/admin/orders/{orderId}/notifications/resend" => Json(new { reason = "authorization matrix" }),
                "POST /connect/token" => new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "urn:medpay:grant-type:development", ["sub"] = "matrix" }),
                _ => null,
            };
            if (route is "GET /v1/merchant/reconciliation" or "GET /v1/admin/reconciliation")
            {
                path += "?day=" + day;
            }

            return new HttpRequestMessage(method, path) { Content = content };
        }

        private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
    }
}
