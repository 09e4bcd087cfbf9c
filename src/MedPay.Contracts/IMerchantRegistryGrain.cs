using System.Text;

namespace MedPay.Contracts;

/// <summary>
/// Every registered merchant's id, in one record (key 0): written once per registration (rare), read by the operators'
/// daily check against the platform's statement. Never on the payment path.
/// </summary>
public interface IMerchantRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds the merchant (a repeat writes nothing).</summary>
    Task AddAsync(string merchantId);

    [Orleans.Concurrency.AlwaysInterleave]
    Task<System.Collections.Immutable.ImmutableArray<string>> ListAsync();
}
