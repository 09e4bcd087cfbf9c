using System.Collections.Immutable;

namespace MedPay.Contracts;

/// <summary>Reads across the indexes: listings and statements. A stateless worker, so reads scale out.</summary>
public interface IOrderQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A user's orders, newest first.</summary>
    Task<OrderPage> ListForUserAsync(string userId, OrderStatus? status, string? pageToken, int pageSize);

    /// <summary>A merchant's orders created on <paramref name="day"/> (UTC), newest first.</summary>
    Task<OrderPage> ListForMerchantAsync(string merchantId, DateOnly day, OrderStatus? status, string? pageToken, int pageSize);

    /// <summary>The merchant's statement for the orders created on <paramref name="day"/> (UTC), checked against the platform's statement.</summary>
    Task<Reconciliation> ReconcileAsync(string merchantId, DateOnly day);

    /// <summary>The platform's whole statement of <paramref name="day"/> (UTC) checked against every merchant's records.</summary>
    // Every merchant's day against the platform's statement: an operator's batch read that grows with the merchants, so
    // it may take longer than the API's time-out for calls a person waits on (MedPay:Clustering:ResponseTimeout).
    [ResponseTimeout("00:01:00")]
    Task<PlatformDayReconciliation> ReconcilePlatformDayAsync(DateOnly day);
}
