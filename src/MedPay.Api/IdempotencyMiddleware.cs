using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using MedPay.Contracts;
using Microsoft.AspNetCore.DataProtection;

namespace MedPay.Api;

/// <summary>
/// <c>Idempotency-Key</c> on state-changing POSTs: the first response (status and body, errors included) is stored
/// durably with a fingerprint of the request; a repeat gets it unchanged (with <c>Idempotent-Replayed: true</c>);
/// the same key with another body is 422 <c>idempotency_key_reused</c>. Keys are scoped to the caller and the route.
/// Refusals that depend on who asks or on what exists yet (401, 403, 404) and 5xx answers are not stored: the same
/// key may be used again once the cause is fixed. Stored bodies are encrypted with ASP.NET Core Data Protection
/// (<see cref="Purpose"/>, bound to the key's record) before they leave the API, so the cluster only holds ciphertext.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, ILogger<IdempotencyMiddleware> logger, IMeterFactory meters)
{
    /// <summary>Requests with an Idempotency-Key, by outcome: first (run), replay, mismatch (422), in_progress (409).</summary>
    private readonly Counter<long> _keys = meters.Create(ApiMetrics.MeterName).CreateCounter<long>(
        "medpay.idempotency.requests", "{request}", "Requests with an Idempotency-Key, by outcome: first, replay, mismatch, in_progress.");

    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The Data Protection purpose of stored response bodies.</summary>
    public const string Purpose = "MedPay.Idempotency.v1";

    /// <summary>Responses that are not stored: the key is given back, and a repeat runs the request again.</summary>
    public static bool IsStored(int statusCode) => statusCode is not (401 or 403 or 404) and < 500;

    public async Task InvokeAsync(HttpContext context, IGrainFactory grains, IDataProtectionProvider protection, IdempotencyGiveBack giveBack)
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
        var recordKey = Hash($"{Caller(context)}\n{request.Method}\n{request.Path}\n{key}");
        var grain = grains.GetGrain<IIdempotencyGrain>(recordKey);
        // Bound to the record: a body copied into another key's record does not decrypt there.
        var protector = protection.CreateProtector(Purpose, recordKey);
        var attempt = Guid.NewGuid();
        // An earlier attempt of this key that this process answered but could not give back is over: the grain is told.
        var ended = giveBack.EndedAttempt(recordKey);
        var decision = await grain.BeginAsync(Hash($"{request.ContentType}\n{Convert.ToBase64String(body)}"), attempt, ended);
        if (decision.Outcome == IdempotencyOutcome.Proceed)
        {
            giveBack.Claimed(recordKey, ended);
        }

        _keys.Add(1, new KeyValuePair<string, object?>("outcome", decision.Outcome switch
        {
            IdempotencyOutcome.Replay => "replay",
            IdempotencyOutcome.Mismatch => "mismatch",
            IdempotencyOutcome.InProgress => "in_progress",
            _ => "first",
        }));
        switch (decision.Outcome)
        {
            case IdempotencyOutcome.Replay:
                await ReplayAsync(context, decision.Response!, protector);
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
            await giveBack.GiveBackAsync(recordKey, attempt);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        var sent = captured.ToArray();
        if (IsStored(context.Response.StatusCode))
        {
            var location = context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
            var response = new StoredResponse(context.Response.StatusCode, context.Response.ContentType, location, protector.Protect(sent), BodyProtected: true);
            try
            {
                await grain.CompleteAsync(attempt, response);
            }
            catch (Exception e)
            {
                // The request was done: its answer is sent even though it could not be kept (a repeat runs it again,
                // which the natural ids make harmless), rather than a 5xx that would hide, say, credentials shown once.
                // Its claim may still be held: the attempt is over, and the key is given back.
                logger.LogWarning(e, "The response to an idempotency key could not be stored; it is sent unstored.");
                giveBack.Ended(recordKey, attempt);
            }
        }
        else
        {
            await giveBack.GiveBackAsync(recordKey, attempt);
        }

        await original.WriteAsync(sent, context.RequestAborted);
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

    private async Task ReplayAsync(HttpContext context, StoredResponse stored, IDataProtector protector)
    {
        byte[] body;
        try
        {
            body = stored.BodyProtected ? protector.Unprotect(stored.Body) : stored.Body;
        }
        catch (CryptographicException e)
        {
            // The key ring no longer holds the key it was encrypted with (a lost or foreign key ring).
            logger.LogError(e, "A stored idempotent response could not be decrypted.");
            await Problems.WriteAsync(context, "internal_error", "The stored response to this Idempotency-Key cannot be read.");
            return;
        }

        context.Response.StatusCode = stored.StatusCode;
        context.Response.ContentType = stored.ContentType;
        if (stored.Location is not null)
        {
            context.Response.Headers.Location = stored.Location;
        }

        context.Response.Headers[ReplayedHeader] = "true";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
