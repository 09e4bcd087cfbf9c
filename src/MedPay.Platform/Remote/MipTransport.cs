using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MedPay.Platform.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Platform.Remote;

/// <summary>
/// Sends one signed transaction and reads its signed answer. Every way of not getting a trustworthy answer — no
/// connection, a time-out, an open circuit, a non-200 status, an unsigned or wrongly signed answer, an answer to
/// another message, <c>infcode</c> ≠ 0 — is an <see cref="OutcomeUnknownException"/>: the caller asks again by id
/// before it sends anything again. Nothing here retries.
/// </summary>
public sealed class MipTransport(IHttpClientFactory clients, IOptions<RemotePlatformOptions> options, TimeProvider time, ILogger<MipTransport> logger)
{
    public const string PlatformClient = "medpay.platform";
    public const string CashClient = "medpay.cash";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };

    private readonly Lazy<Sm2Key> _signingKey = new(() => Sm2Key.FromPrivateKey(options.Value.SigningKey));
    private readonly Lazy<Sm2Key> _platformKey = new(() => Sm2Key.FromPublicKey(options.Value.PlatformPublicKey));
    private readonly Lazy<Sm2Key> _cashKey = new(() => Sm2Key.FromPublicKey(
        string.IsNullOrEmpty(options.Value.CashPublicKey) ? options.Value.PlatformPublicKey : options.Value.CashPublicKey));

    /// <summary>Parses the keys and signs once, so that the curve's precomputation is not paid by the first payment.</summary>
    public void WarmUp()
    {
        _platformKey.Value.Verify("warm-up", _signingKey.Value.Sign("warm-up"));
        _ = _cashKey.Value;
    }

    public Task<TOut> PlatformAsync<TIn, TOut>(string infno, string? insuredRegion, TIn input, CancellationToken cancellationToken) =>
        SendAsync<TIn, TOut>(PlatformClient, "mip", _platformKey.Value, infno, insuredRegion, input, cancellationToken);

    public Task<TOut> CashAsync<TIn, TOut>(string infno, TIn input, CancellationToken cancellationToken) =>
        SendAsync<TIn, TOut>(CashClient, "cash", _cashKey.Value, infno, null, input, cancellationToken);

    private async Task<TOut> SendAsync<TIn, TOut>(string client, string path, Sm2Key counterpart, string infno, string? insuredRegion, TIn input, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var msgId = MipEnvelope.NewMsgId(settings.InstitutionCode, now);
        var body = MipEnvelope.WriteRequest(infno, msgId, settings.InstitutionCode, insuredRegion ?? settings.DefaultRegion, now, input, _signingKey.Value);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonType;

        MipResponse? answer;
        try
        {
            using var response = await clients.CreateClient(client).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw Unknown(infno, msgId, $"HTTP {(int)response.StatusCode}");
            }

            answer = await response.Content.ReadFromJsonAsync<MipResponse>(MipEnvelope.Json, cancellationToken);
        }
        catch (OutcomeUnknownException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException or Polly.ExecutionRejectedException or IOException or NotSupportedException)
        {
            throw Unknown(infno, msgId, e.GetType().Name, e);
        }

        if (answer is null || answer.RefMsgId != msgId || !counterpart.Verify(answer.SignedText(), answer.Signature))
        {
            logger.LogError("Transaction {Infno} message {MsgId}: the answer is not signed by the counterpart's key or answers another message; it is not trusted", infno, msgId);
            throw Unknown(infno, msgId, "the answer's signature does not verify");
        }

        if (answer.InfCode != 0)
        {
            throw Unknown(infno, msgId, $"refused with infcode {answer.InfCode}: {answer.Error}");
        }

        return answer.Output.Deserialize<TOut>(MipEnvelope.Json) ?? throw Unknown(infno, msgId, "the answer has no output");
    }

    private OutcomeUnknownException Unknown(string infno, string msgId, string why, Exception? inner = null)
    {
        logger.LogWarning("Transaction {Infno} message {MsgId}: no trustworthy answer ({Why}); its outcome is unknown", infno, msgId, why);
        return new OutcomeUnknownException($"Transaction {infno} has no trustworthy answer: {why}.", inner);
    }
}
