using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace MedPay.Bench;

/// <summary>
/// Counts the writes that reach the reminder table (registrations and removals). On Azure they are table writes like
/// any grain state write, so a payment's storage cost is both counts together.
/// </summary>
public sealed class CountingReminderTable(IReminderTable inner) : IReminderTable
{
    private long _writes;

    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Wraps the reminder table the silo registered (the last <see cref="IReminderTable"/> registration).</summary>
    public static void Decorate(IServiceCollection services, Action<CountingReminderTable> created)
    {
        var original = services.Last(d => d.ServiceType == typeof(IReminderTable));
        services.Remove(original);
        services.AddSingleton<IReminderTable>(sp =>
        {
            var table = original.ImplementationInstance as IReminderTable
                ?? original.ImplementationFactory?.Invoke(sp) as IReminderTable
                ?? (IReminderTable)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!);
            var counting = new CountingReminderTable(table);
            created(counting);
            return counting;
        });
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        Interlocked.Increment(ref _writes);
        return inner.UpsertRow(entry);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        Interlocked.Increment(ref _writes);
        return inner.RemoveRow(grainId, reminderName, eTag);
    }

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
}
