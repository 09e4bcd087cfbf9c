namespace MedPay.Contracts;

/// <summary>An expected refusal with a stable machine-readable code (see <see cref="ErrorCodes"/>).</summary>
[GenerateSerializer, Immutable, Alias("medpay.Failure")]
public sealed record Failure(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message);

/// <summary>Either a value or an expected failure. Grains return these; they throw only for bugs and infrastructure faults.</summary>
[GenerateSerializer, Immutable, Alias("medpay.Result`1")]
public sealed record Result<T>(
    [property: Id(0)] T? Value,
    [property: Id(1)] Failure? Error)
{
    public bool IsOk => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Failure failure) => new(default, failure);
}
