using System.Net;
using System.Net.Sockets;
using System.Text;
using MedPay.Grains.Notifications;

namespace MedPay.ClusterTests;

/// <summary>The HTTP sender against a real socket: what a merchant endpoint receives, retries, and a dead address.</summary>
public sealed class CallbackListenerTests : IDisposable
{
    private const string Secret = "whsec_listener_5e8b21";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpCallbackSender _sender;

    public CallbackListenerTests() => _sender = new HttpCallbackSender(_http, TimeProvider.System);

    [Fact]
    public async Task A_signed_notification_is_delivered_and_verifies_and_a_wrong_secret_does_not()
    {
        await using var listener = CallbackListener.Start("placeholder");
        listener.Secret = Secret;
        const string body = """{"eventId":"evt-1","type":"order.settled","orderId":"pharmacy-7~RX-1","note":"张三"}""";

        var attempt = await _sender.SendAsync(Message(listener.Url, Secret, "evt-1", body), CancellationToken.None);
        var forged = await _sender.SendAsync(Message(listener.Url, "not-the-secret", "evt-2", body), CancellationToken.None);

        Assert.Equal(new CallbackAttempt(true, 200, null), attempt);
        var received = await listener.WaitForAsync(r => r.EventId == "evt-1", Wait);
        Assert.True(received.SignatureValid);
        Assert.Equal("order.settled", received.EventType);
        Assert.Equal(body, received.Body);
        Assert.Equal(200, received.ResponseStatus);

        Assert.True(forged.Acknowledged);
        Assert.False((await listener.WaitForAsync(r => r.EventId == "evt-2", Wait)).SignatureValid);
    }

    [Fact]
    public async Task The_first_failures_are_not_acknowledged_and_the_retry_is()
    {
        await using var listener = CallbackListener.Start(Secret, failFirst: 2);
        var message = Message(listener.Url, Secret, "evt-3", """{"eventId":"evt-3"}""");

        var attempts = new List<CallbackAttempt>();
        for (var i = 0; i < 3; i++)
            attempts.Add(await _sender.SendAsync(message, CancellationToken.None));

        Assert.Equal(
            [new(false, 500, "HTTP 500"), new(false, 500, "HTTP 500"), new CallbackAttempt(true, 200, null)],
            attempts);
        Assert.Equal([500, 500, 200], listener.Received.Select(r => r.ResponseStatus));
        Assert.All(listener.Received, r => Assert.True(r.SignatureValid));
        Assert.All(listener.Received, r => Assert.Equal("evt-3", r.EventId));
    }

    [Fact]
    public async Task A_closed_port_is_an_unacknowledged_attempt_with_an_error_not_an_exception()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var attempt = await _sender.SendAsync(Message(new Uri($"http://127.0.0.1:{port}/callbacks"), Secret, "evt-4", "{}"), CancellationToken.None);

        Assert.False(attempt.Acknowledged);
        Assert.Null(attempt.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(attempt.Error));
        Assert.DoesNotContain(Secret, attempt.Error);
        Assert.DoesNotContain("v1=", attempt.Error);
    }

    public void Dispose() => _http.Dispose();

    private static CallbackMessage Message(Uri url, string secret, string eventId, string body) =>
        new(url, secret, eventId, "order.settled", Encoding.UTF8.GetBytes(body));
}
