using System.Security.Cryptography;
using System.Text;
using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>
/// <c>Idempotency-Key</c> on state-changing POSTs: the first response (status and body, errors included) is stored
/// durably with a fingerprint of the request; a repeat gets it unchanged (with <c>Idempotent-Replayed: true</c>);
/// the same key with another body is 422 <c>idempotency_key_reused</c>. Keys are scoped to the caller and the route.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context, IGrainFactory grains)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.GetEndpoint() is null || !context.Request.Headers.TryGetValue(Header, out var values))
        {
            await next(context);
            return;
        }

        var key = values.ToString();
        if (key.Length is 0 or > 255 || key.Any(c => c is < '!' or > '~'))
        {
            await Problems.WriteAsync(context, ErrorCodes.InvalidIdempotencyKey, "Idempotency-Key must be 1 to 255 visible ASCII characters.");
            return;
        }

        var body = await ReadBodyAsync(context.Request);
        var request = context.Request;
        var grain = grains.GetGrain<IIdempotencyGrain>(Hash($"{Caller(context)}\n{request.Method}\n{request.Path}\n{key}"));
        var attempt = Guid.NewGuid();
        var decision = await grain.BeginAsync(Hash($"{request.ContentType}\n{Convert.ToBase64String(body)}"), attempt);
        switch (decision.Outcome)
        {
            case IdempotencyOutcome.Replay:
                await ReplayAsync(context, decision.Response!);
                return;
            case IdempotencyOutcome.Mismatch:
                await Problems.WriteAsync(context, ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used for a different request.");
                return;
            case IdempotencyOutcome.InProgress:
                context.Response.Headers.RetryAfter = "1";
                await Problems.WriteAsync(context, ErrorCodes.IdempotencyKeyInUse, "A request with this Idempotency-Key is still being processed; retry shortly.");
                return;
        }

        var original = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        try
        {
            await next(context);
        }
        catch
        {
            await grain.AbandonAsync(attempt);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = new StoredResponse(context.Response.StatusCode, context.Response.ContentType, context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null, captured.ToArray());
        if (response.StatusCode >= 500)
        {
            await grain.AbandonAsync(attempt);
        }
        else
        {
            await grain.CompleteAsync(attempt, response);
        }

        await original.WriteAsync(response.Body, context.RequestAborted);
    }

    private static string Caller(HttpContext context) => context.User.Scope();

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return copy.ToArray();
    }

    private static async Task ReplayAsync(HttpContext context, StoredResponse stored)
    {
        context.Response.StatusCode = stored.StatusCode;
        context.Response.ContentType = stored.ContentType;
        if (stored.Location is not null)
        {
            context.Response.Headers.Location = stored.Location;
        }

        context.Response.Headers[ReplayedHeader] = "true";
        await context.Response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
