using Orleans.Concurrency;

namespace MedPay.Contracts;

/// <summary>Answers when the cluster is up and its grain storage can be read; used by the readiness probe.</summary>
public interface IHealthGrain : IGrainWithIntegerKey
{
    Task CheckAsync();
}
