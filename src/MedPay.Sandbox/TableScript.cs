using Azure;
using Azure.Data.Tables;
using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.Sandbox;

/// <summary>
/// The sandbox's script in its own table, so that a rule outlives a restart of the process (a chaos run kills it): one
/// entity per (order, target), its remaining count taken down under the entity's ETag; one per scripted person.
/// </summary>
public sealed class TableScript(TableClient table) : ISandboxScript
{
    private const string People = "people";

    public static async Task<TableScript> CreateAsync(TableServiceClient service, string prefix, CancellationToken cancellationToken)
    {
        var table = service.GetTableClient(prefix + "scripts");
        await table.CreateIfNotExistsAsync(cancellationToken);
        return new TableScript(table);
    }

    public async Task SetAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default) =>
        await table.UpsertEntityAsync(
            new TableEntity(orderId, target.ToString())
            {
                ["Fault"] = rule.Fault.ToString(),
                ["DelayMs"] = (long)rule.Delay.TotalMilliseconds,
                ["Reason"] = rule.Reason,
                ["Times"] = rule.Times,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<SandboxRule?> TakeAsync(string orderId, SandboxTarget target, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>(orderId, target.ToString(), cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                return null;
            }

            var entity = found.Value!;
            var rule = new SandboxRule(
                Enum.Parse<SandboxFault>(entity.GetString("Fault")),
                TimeSpan.FromMilliseconds(entity.GetInt64("DelayMs") ?? 0),
                entity.GetString("Reason"),
                entity.GetInt32("Times") ?? int.MaxValue);
            if (rule.Times == int.MaxValue)
            {
                return rule;
            }

            try
            {
                if (rule.Times <= 1)
                {
                    await table.DeleteEntityAsync(entity, entity.ETag, cancellationToken);
                    return rule.Times <= 0 ? null : rule;
                }

                entity["Times"] = rule.Times - 1;
                await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return rule;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Another request took it meanwhile: read it again.
            }
        }
    }

    public async Task SetPersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default) =>
        await table.UpsertEntityAsync(
            new TableEntity(People, nationalId.ToUpperInvariant())
            {
                ["InsuranceType"] = person.InsuranceType?.ToString(),
                ["InsuredRegion"] = person.InsuredRegion,
                ["Insured"] = person.Insured,
                ["DelayMs"] = (long)person.Delay.TotalMilliseconds,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<SandboxPerson?> PersonAsync(string nationalId, CancellationToken cancellationToken = default)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(People, nationalId.ToUpperInvariant(), cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return null;
        }

        var e = found.Value!;
        return new SandboxPerson(
            e.GetString("InsuranceType") is { } type ? Enum.Parse<InsuranceType>(type) : null,
            e.GetString("InsuredRegion"),
            e.GetBoolean("Insured") ?? true,
            TimeSpan.FromMilliseconds(e.GetInt64("DelayMs") ?? 0));
    }
}
