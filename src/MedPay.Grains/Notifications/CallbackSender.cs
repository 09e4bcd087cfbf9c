using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace MedPay.Grains.Notifications;

/// <summary>One notification to deliver: where, with which secret, and the exact bytes that are signed and sent.</summary>
public sealed record CallbackMessage(Uri Url, string Secret, string EventId, string EventType, byte[] Body)
{
    /// <summary>Messages end up in logs and grain state dumps; the secret must not.</summary>
    public override string ToString() => $"{nameof(CallbackMessage)} {{ Url = {Url}, EventId = {EventId}, EventType = {EventType}, Body = {Body.Length} bytes }}";
}

/// <summary>How one delivery attempt went; <see cref="Error"/> is safe to store and show to the merchant.</summary>
public sealed record CallbackAttempt(bool Acknowledged, int? StatusCode, string? Error);

/// <summary>Delivers one signed notification; retrying and recording are the caller's.</summary>
public interface ICallbackSender
{
    /// <summary>
    /// One attempt. Delivery failures (refused, timed out, non-2xx) come back as a not-acknowledged attempt, not as
    /// exceptions; cancelling <paramref name="cancellationToken"/> still throws.
    /// </summary>
    Task<CallbackAttempt> SendAsync(CallbackMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Posts the notification over HTTP; only a 2xx answer from the address itself counts as acknowledged. Give it a client
/// whose handler does not follow redirects: a followed 307/308 re-posts the signed body to the new address before this
/// class can refuse the answer. With a <see cref="CallbackAddressPolicy"/>, an address it refuses (a plain http one outside
/// Development; one whose name resolves to a private, loopback or link-local address, checked by
/// <see cref="CreateHandler"/> before connecting) is never contacted: the attempt fails with
/// <see cref="CallbackAddressPolicy.RefusedError"/>, which says nothing about the address.
/// </summary>
public sealed class HttpCallbackSender(HttpClient http, TimeProvider time, CallbackAddressPolicy? policy = null) : ICallbackSender
{
    private const int MaxErrorLength = 200;

    /// <summary>
    /// A handler that follows no redirects and connects only to addresses <paramref name="policy"/> allows: it resolves
    /// the host itself and checks every address before opening a socket, so the check holds for the address actually
    /// used (no DNS rebinding between a check and the connection).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(CallbackAddressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(host, cancellationToken);
                if (addresses.Length == 0 || addresses.Any(a => !policy.AddressAllowed(host, a)))
                {
                    throw new CallbackAddressRefusedException();
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    public async Task<CallbackAttempt> SendAsync(CallbackMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (policy is not null && !policy.SchemeAllowed(message.Url))
        {
            return new(false, null, CallbackAddressPolicy.RefusedError);
        }

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var signature = CallbackSignature.Sign(message.Secret, timestamp, message.Body);

        using var request = new HttpRequestMessage(HttpMethod.Post, message.Url)
        {
            Content = new ByteArrayContent(message.Body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(CallbackSignature.EventIdHeader, message.EventId);
        request.Headers.Add(CallbackSignature.EventTypeHeader, message.EventType);
        request.Headers.Add(CallbackSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackSignature.SignatureHeader, signature);

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.RequestMessage?.RequestUri is { } final && final != message.Url)
                return new(false, status, $"redirected (HTTP {status} from another address)");
            return response.IsSuccessStatusCode ? new(true, status, null) : new(false, status, $"HTTP {status}");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new(false, null, Describe("timeout", e, message.Secret, signature));
        }
        catch (HttpRequestException e) when (e.InnerException is CallbackAddressRefusedException)
        {
            return new(false, null, CallbackAddressPolicy.RefusedError);
        }
        catch (HttpRequestException e)
        {
            var kind = e.HttpRequestError == HttpRequestError.Unknown ? "request failed" : e.HttpRequestError.ToString();
            return new(false, null, Describe(kind, e, message.Secret, signature));
        }
    }

    /// <summary>The text is stored and may be shown to the merchant, so it is short and scrubbed of anything secret.</summary>
    private static string Describe(string kind, Exception e, string secret, string signature)
    {
        var text = $"{kind}: {e.GetType().Name}: {e.Message}"
            .Replace(signature, "[signature]", StringComparison.Ordinal)
            .Replace(secret, "[secret]", StringComparison.Ordinal);
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }
}

/// <summary>How long to wait before the next delivery attempt, so a struggling receiver is not hammered in lockstep.</summary>
public static class CallbackBackoff
{
    private const double Jitter = 0.2;

    /// <summary>
    /// <paramref name="first"/> × 2^(attempts−1), capped at <paramref name="max"/>, then moved by up to ±20 %;
    /// a move that would pass <paramref name="max"/> is mirrored downwards, so the result never exceeds it.
    /// </summary>
    public static TimeSpan After(int attempts, TimeSpan first, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(random);

        var baseTicks = Math.Min(first.Ticks * Math.Pow(2, attempts - 1), max.Ticks);
        var move = (random.NextDouble() * 2 - 1) * Jitter;
        var ticks = baseTicks * (1 + move);
        if (ticks > max.Ticks)
            ticks = baseTicks * (1 - move);
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
