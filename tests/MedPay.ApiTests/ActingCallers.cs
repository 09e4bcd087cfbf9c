using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MedPay.Contracts;

namespace MedPay.ApiTests;

/// <summary>
/// The client most behaviour tests use: each request goes with the credential of the caller who may make it, as the
/// real parties would send it — the user's token (real-name verified, from the development issuer) for the user's own
/// voucher, consent and payments; the merchant's API credential for its orders (a merchant named for the first time is
/// registered by an operator); an operator's token for operator routes. A request that already carries an
/// <c>Authorization</c> header goes as it is. Tests of who may do what use explicit clients instead
/// (<see cref="ApiFixture.UserClientAsync"/>, <see cref="ApiFixture.MerchantClient"/>, <see cref="ApiFixture.Anonymous"/>).
/// </summary>
public sealed class ActingCallers(ApiFixture fixture) : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, string> _orderUsers = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization is null)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            if (body is not null)
            {
                var content = new ByteArrayContent(body);
                foreach (var header in request.Content!.Headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                request.Content = content;
            }

            var json = Parse(body);
            request.Headers.Authorization = await CredentialAsync(request.Method, request.RequestUri!.AbsolutePath, json);
            var response = await base.SendAsync(request, cancellationToken);
            // The order's user pays it and reads it: remember whose it is once it exists.
            if (response.StatusCode == HttpStatusCode.Created && request.RequestUri.AbsolutePath == "/v1/orders"
                && Text(json, "merchantOrderNo") is { } number && Text(json, "userId") is { } user && Text(json, "merchantId") is { } merchant)
            {
                _orderUsers.TryAdd(OrderIds.For(merchant, number), user);
            }

            return response;
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<AuthenticationHeaderValue?> CredentialAsync(HttpMethod method, string path, JsonElement? body)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        switch (segments)
        {
            case ["v1", "vouchers"]:
                // The person opening is the one the identity provider verified: the one the body names, as the tests send
                // it (a body naming nobody, or no one a provider could verify, opens as the user's own person).
                var opener = MedPay.Contracts.Ids.IsValid(Text(body, "userId")) ? Text(body, "userId")! : ApiSteps.Unique("u");
                if (Text(body, "fullName") is { Length: > 0 and <= 100 } fullName && Text(body, "nationalId") is { Length: > 0 and <= 64 } nationalId)
                {
                    fixture.RememberPerson(opener, fullName, nationalId);
                }

                return await UserAsync(opener);
            case ["v1", "vouchers", _, "status"]:
            case ["v1", "admin", ..]:
                return fixture.OperatorCredential;
            case ["v1", "vouchers", var consentingUserId, "authorizations"]:
                // A person consents only for a registered medical service end: the merchant is registered first.
                if (Text(body, "merchantId") is { } consentedTo && MedPay.Contracts.Ids.IsValid(consentedTo))
                {
                    await fixture.EnsureMerchantAsync(consentedTo);
                }

                return await UserAsync(consentingUserId);
            case ["v1", "vouchers", var userId, ..]:
                return await UserAsync(userId);
            case ["v1", "orders"]:
                return await MerchantAsync(Text(body, "merchantId"));
            case ["v1", "orders", var orderId, "payments"]:
                return await UserAsync(_orderUsers.GetValueOrDefault(orderId));
            case ["v1", "orders", var orderId, ..] when method == HttpMethod.Get:
                return _orderUsers.TryGetValue(orderId, out var owner) ? await UserAsync(owner) : fixture.OperatorCredential;
            case ["v1", "orders", var orderId, ..]:
                return await MerchantAsync(orderId.Split(OrderIds.Separator)[0]);
            case ["v1", "merchant", "orders", var ownOrderId, ..]:
                return await MerchantAsync(ownOrderId.Split(OrderIds.Separator)[0]);
            default:
                return null;
        }
    }

    /// <summary>The user's real-name-verified token; for an id no token can carry, a fresh person's.</summary>
    private async Task<AuthenticationHeaderValue> UserAsync(string? userId) =>
        new("Bearer", await fixture.UserTokenAsync(MedPay.Contracts.Ids.IsValid(userId) ? userId! : ApiSteps.Unique("u")));

    /// <summary>The merchant's credential, registering it first; for an id no merchant can have, a fresh merchant's.</summary>
    private async Task<AuthenticationHeaderValue> MerchantAsync(string? merchantId)
    {
        var (id, apiKey) = await fixture.MerchantAsync(MedPay.Contracts.Ids.IsValid(merchantId) ? merchantId! : ApiSteps.Unique("m"));
        return new("Bearer", $"{id}.{apiKey}");
    }

    private static JsonElement? Parse(byte[]? body)
    {
        try
        {
            return body is { Length: > 0 } ? JsonDocument.Parse(body).RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement? body, string name) =>
        body is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
