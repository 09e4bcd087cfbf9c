using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using MedPay.Platform;

namespace MedPay.Sandbox;

/// <summary>
/// The sandbox's records in Azure tables (Azurite on a developer machine): one entity per (id, kind), inserted only if
/// absent, so a settlement id is recorded at most once however many requests race for it and whichever sandbox
/// process answers; reversals replace the entity under its ETag. Every request is counted in a second table. Ids are
/// letters, digits and <c>_ - ~ . |</c>, all allowed in a table key, so they are the keys as they are.
/// </summary>
public sealed class TableLedger(TableClient records, TableClient requests) : ISandboxLedger
{
    public static async Task<TableLedger> CreateAsync(TableServiceClient service, string prefix, CancellationToken cancellationToken)
    {
        var records = service.GetTableClient(prefix + "records");
        var requests = service.GetTableClient(prefix + "requests");
        await records.CreateIfNotExistsAsync(cancellationToken);
        await requests.CreateIfNotExistsAsync(cancellationToken);
        return new TableLedger(records, requests);
    }

    public async Task<PlatformRecord?> FindAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken)
    {
        var found = await records.GetEntityIfExistsAsync<TableEntity>(id, kind.ToString(), cancellationToken: cancellationToken);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    public async Task<PlatformRecord> AddOrGetAsync(PlatformRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await records.AddEntityAsync(ToEntity(record), cancellationToken);
            return record;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await FindAsync(record.Kind, record.Id, cancellationToken) ?? throw new InvalidOperationException($"{record.Kind} {record.Id} exists and cannot be read.");
        }
    }

    public async Task<PlatformRecord?> ReverseAsync(string settlementId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = await records.GetEntityIfExistsAsync<TableEntity>(settlementId, nameof(PlatformRecordKind.Settlement), cancellationToken: cancellationToken);
            if (!found.HasValue || FromEntity(found.Value!) is not { Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed } known)
            {
                return null;
            }

            if (known.Outcome == PlatformOutcome.Reversed)
            {
                return known;
            }

            var reversed = known with { Outcome = PlatformOutcome.Reversed };
            try
            {
                await records.UpdateEntityAsync(ToEntity(reversed), found.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return reversed;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Changed meanwhile: read it again.
            }
        }
    }

    public async Task CountRequestAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken) =>
        await requests.AddEntityAsync(new TableEntity($"{kind}|{id}", Guid.NewGuid().ToString("N")), cancellationToken);

    public async Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in requests.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {$"{kind}|{id}"}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    public IAsyncEnumerable<PlatformRecord> RefundsOfAsync(PlatformRecordKind kind, string originalId, CancellationToken cancellationToken) =>
        QueryAsync(TableClient.CreateQueryFilter($"RowKey eq {kind.ToString()} and OriginalId eq {originalId}"), cancellationToken);

    public IAsyncEnumerable<PlatformRecord> ListAsync(DateOnly? day, CancellationToken cancellationToken) =>
        QueryAsync(day is { } d ? TableClient.CreateQueryFilter($"Day eq {Day(d)}") : null, cancellationToken);

    /// <summary>Every record of one order.</summary>
    public IAsyncEnumerable<PlatformRecord> OfOrderAsync(string orderId, CancellationToken cancellationToken) =>
        QueryAsync(TableClient.CreateQueryFilter($"OrderId eq {orderId}"), cancellationToken);

    private async IAsyncEnumerable<PlatformRecord> QueryAsync(string? filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in records.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity);
        }
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(PlatformRecord r) => new(r.Id, r.Kind.ToString())
    {
        ["OrderId"] = r.OrderId,
        ["MerchantId"] = r.MerchantId,
        ["OriginalId"] = r.OriginalId,
        ["Outcome"] = r.Outcome.ToString(),
        ["Reference"] = r.Reference,
        ["FundFen"] = r.FundFen,
        ["PersonalAccountFen"] = r.PersonalAccountFen,
        ["CashFen"] = r.CashFen,
        ["RequestedFundFen"] = r.RequestedFundFen,
        ["RequestedPersonalAccountFen"] = r.RequestedPersonalAccountFen,
        ["RequestedCashFen"] = r.RequestedCashFen,
        ["Reason"] = r.Reason,
        ["At"] = r.At,
        ["Day"] = Day(DateOnly.FromDateTime(r.At.UtcDateTime)),
    };

    private static PlatformRecord FromEntity(TableEntity e) => new(
        Enum.Parse<PlatformRecordKind>(e.RowKey),
        e.PartitionKey,
        e.GetString("OrderId"),
        e.GetString("MerchantId"),
        e.GetString("OriginalId"),
        Enum.Parse<PlatformOutcome>(e.GetString("Outcome")),
        e.GetString("Reference"),
        e.GetInt64("FundFen") ?? 0,
        e.GetInt64("PersonalAccountFen") ?? 0,
        e.GetInt64("CashFen") ?? 0,
        e.GetInt64("RequestedFundFen") ?? 0,
        e.GetInt64("RequestedPersonalAccountFen") ?? 0,
        e.GetInt64("RequestedCashFen") ?? 0,
        e.GetString("Reason"),
        e.GetDateTimeOffset("At") ?? default);
}
