using System.Text;

namespace MedPay.Contracts;

/// <summary>A medical service provider, keyed by merchant id: registration, credentials, callback address.</summary>
public interface IMerchantGrain : IGrainWithStringKey
{
    Task<Result<MerchantCredentials>> RegisterAsync(RegisterMerchantCommand command);

    /// <summary>Issues a new API key and webhook secret; the old ones stop working at once.</summary>
    Task<Result<MerchantCredentials>> RotateCredentialsAsync();

    Task<Result<MerchantView>> SetCallbackAsync(string? callbackUrl);

    Task<Result<MerchantView>> GetAsync();

    /// <summary>Whether <paramref name="apiKey"/> is this merchant's current key (compared as hashes, in constant time).</summary>
    Task<bool> VerifyAsync(string apiKey);

    Task<CallbackTarget?> GetCallbackTargetAsync();
}
