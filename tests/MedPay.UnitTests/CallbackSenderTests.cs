using System.Net;
using System.Text;
using MedPay.Grains;
using MedPay.Grains.Notifications;
using Microsoft.Extensions.Time.Testing;

namespace MedPay.UnitTests;

/// <summary>What the sender puts on the wire and how it reads answers, without a network: a handler stands in for it.</summary>
public sealed class CallbackSenderTests
{
    private const string Secret = "whsec_unit_7d41e0";
    private static readonly Uri Url = new("https://merchant.example/callbacks");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_115_200);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"eventId":"evt-9","type":"order.settled"}""");
    private static readonly CallbackMessage Message = new(Url, Secret, "evt-9", "order.settled", Body);

    [Fact]
    public async Task Posts_the_exact_body_as_json_with_the_four_headers_signed_at_the_clock_time()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.NoContent));

        var attempt = await Sender(handler).SendAsync(Message, CancellationToken.None);

        Assert.Equal(new CallbackAttempt(true, 204, null), attempt);
        var seen = Assert.Single(handler.Seen);
        Assert.Equal(HttpMethod.Post, seen.Method);
        Assert.Equal(Url, seen.Url);
        Assert.Equal("application/json", seen.ContentType);
        Assert.Equal(Body, seen.Body);
        Assert.Equal("evt-9", seen.Headers[CallbackSignature.EventIdHeader]);
        Assert.Equal("order.settled", seen.Headers[CallbackSignature.EventTypeHeader]);
        Assert.Equal("1764115200", seen.Headers[CallbackSignature.TimestampHeader]);
        Assert.Equal(CallbackSignature.Sign(Secret, 1_764_115_200, Body), seen.Headers[CallbackSignature.SignatureHeader]);
        Assert.True(CallbackSignature.Verify(
            Secret, seen.Headers[CallbackSignature.TimestampHeader], seen.Headers[CallbackSignature.SignatureHeader], seen.Body, Now, TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.Found)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Any_answer_but_2xx_is_not_acknowledged(HttpStatusCode status)
    {
        var attempt = await Sender(new StubHandler(_ => new HttpResponseMessage(status))).SendAsync(Message, CancellationToken.None);

        Assert.Equal(new CallbackAttempt(false, (int)status, $"HTTP {(int)status}"), attempt);
    }

    [Fact]
    public async Task A_2xx_from_an_address_the_client_was_redirected_to_is_not_acknowledged()
    {
        var handler = new StubHandler(request =>
        {
            request.RequestUri = new Uri("https://elsewhere.example/sink");
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        var attempt = await Sender(handler).SendAsync(Message, CancellationToken.None);

        Assert.False(attempt.Acknowledged);
        Assert.Equal(200, attempt.StatusCode);
        Assert.StartsWith("redirected", attempt.Error);
    }

    [Fact]
    public async Task A_failure_is_an_attempt_whose_error_names_neither_secret_nor_signature()
    {
        var signature = CallbackSignature.Sign(Secret, Now.ToUnixTimeSeconds(), Body);
        var handler = new StubHandler(_ => throw new HttpRequestException(
            HttpRequestError.ConnectionError, $"Connection refused {Secret} {signature}"));

        var attempt = await Sender(handler).SendAsync(Message, CancellationToken.None);

        Assert.False(attempt.Acknowledged);
        Assert.Null(attempt.StatusCode);
        Assert.StartsWith("ConnectionError: HttpRequestException: Connection refused", attempt.Error);
        Assert.DoesNotContain(Secret, attempt.Error);
        Assert.DoesNotContain(signature, attempt.Error);
        Assert.DoesNotContain(signature["v1=".Length..], attempt.Error);
    }

    [Fact]
    public async Task A_timeout_is_an_attempt_not_an_exception()
    {
        var handler = new StubHandler(_ => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 5 seconds elapsing."));

        var attempt = await Sender(handler).SendAsync(Message, CancellationToken.None);

        Assert.False(attempt.Acknowledged);
        Assert.Null(attempt.StatusCode);
        Assert.StartsWith("timeout: TaskCanceledException", attempt.Error);
    }

    [Fact]
    public async Task Cancelling_the_caller_token_still_throws()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Sender(new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK))).SendAsync(Message, cancel.Token));
    }

    [Fact]
    public async Task A_long_error_is_cut_short()
    {
        var handler = new StubHandler(_ => throw new HttpRequestException(new string('x', 5_000)));

        var attempt = await Sender(handler).SendAsync(Message, CancellationToken.None);

        Assert.InRange(attempt.Error!.Length, 1, 200);
    }

    [Fact]
    public void A_message_prints_without_its_secret()
    {
        Assert.DoesNotContain(Secret, Message.ToString());
        Assert.Contains("evt-9", Message.ToString());
    }

    private static HttpCallbackSender Sender(HttpMessageHandler handler) => new(new HttpClient(handler), new FakeTimeProvider(Now));

    private sealed record SeenRequest(HttpMethod Method, Uri? Url, string? ContentType, byte[] Body, Dictionary<string, string> Headers);

    /// <summary>Records each request as it was sent and answers with what the test asks for.</summary>
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<SeenRequest> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Seen.Add(new(
                request.Method,
                request.RequestUri,
                request.Content?.Headers.ContentType?.ToString(),
                body,
                request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value))));
            var response = answer(request);
            response.RequestMessage = request;
            return response;
        }
    }
}
