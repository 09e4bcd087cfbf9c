namespace MedPay.Contracts;

/// <summary>
/// An HTTP response as first sent, kept so that a repeat of the request gets it unchanged. The API encrypts the body
/// before it leaves for the cluster (<see cref="BodyProtected"/>), so the grain and its storage only hold ciphertext;

/// records written before that carry the plain body and <c>BodyProtected = false</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("medpay.StoredResponse")]
public sealed record StoredResponse(
    [property: Id(0)] int StatusCode,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] string? Location,
    [property: Id(3)] byte[] Body,
    [property: Id(4)] bool BodyProtected = false);

[GenerateSerializer, Alias("medpay.IdempotencyOutcome")]
public enum IdempotencyOutcome
{
    /// <summary>First time: run the request, then complete the key with its response.</summary>
    Proceed = 0,
    /// <summary>Seen and answered: send the stored response.</summary>
    Replay = 1,
    /// <summary>The key was used for a different request.</summary>
    Mismatch = 2,
    /// <summary>The first request with this key is still running.</summary>
    InProgress = 3,
}

[GenerateSerializer, Immutable, Alias("medpay.IdempotencyDecision")]
public sealed record IdempotencyDecision(
    [property: Id(0)] IdempotencyOutcome Outcome,
    [property: Id(1)] StoredResponse? Response);
