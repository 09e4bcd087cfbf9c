using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace MedPay.Bench;

public sealed record LatencySummary(double P50Ms, double P90Ms, double P99Ms, double MaxMs);

public sealed record RunResult(
    string Scenario,
    int Concurrency,
    double Seconds,
    long Settled,
    double PerSecond,
    LatencySummary Latency,
    IReadOnlyDictionary<string, long> Failures,
    double WritesPerPayment,
    double ReminderWritesPerPayment = 0,
    IReadOnlyDictionary<string, double>? WritesByState = null,
    double ReadsPerPayment = 0)
{
    /// <summary>CPU used during the measured window, in cores: this process (silo and client), and Azurite.</summary>
    public (double Self, double? Azurite) Cores { get; init; }

    public static RunResult Of(
        string scenario, int concurrency, double seconds, long settled, LatencySummary latency, IReadOnlyDictionary<string, long> failures, WriteCounts? writes) =>
        new(scenario, concurrency, seconds, settled, settled / seconds, latency, failures,
            settled == 0 || writes is null ? 0 : (double)writes.State / settled,
            settled == 0 || writes is null ? 0 : (double)writes.Reminders / settled,
            settled == 0 || writes is null ? null : writes.ByState.Where(kind => kind.Value > 0).ToDictionary(kind => kind.Key, kind => (double)kind.Value / settled),
            settled == 0 || writes is null ? 0 : (double)writes.Reads / settled);

    /// <summary>
    /// This run charged with the writes <paramref name="deferred"/> that were left to be made after it (written when the
    /// silo deactivated everything). Conservative: some were owed by the warm-up, not the measured window.
    /// </summary>
    public RunResult WithDeferred(WriteCounts deferred)
    {
        if (Settled == 0)
        {
            return this;
        }

        var byState = (WritesByState ?? new Dictionary<string, double>()).ToDictionary();
        foreach (var (kind, count) in deferred.ByState.Where(k => k.Value > 0))
        {
            byState[kind] = byState.GetValueOrDefault(kind) + (double)count / Settled;
        }

        return this with
        {
            WritesPerPayment = WritesPerPayment + (double)deferred.State / Settled,
            ReminderWritesPerPayment = ReminderWritesPerPayment + (double)deferred.Reminders / Settled,
            WritesByState = byState,
        };
    }

    /// <summary>Every table write a payment costs on Azure: grain state and reminders.</summary>
    public double TableWritesPerPayment => WritesPerPayment + ReminderWritesPerPayment;
}

/// <summary>
/// Runs one operation at a fixed concurrency: a warm-up, then a measured window. Each worker loops; the operation
/// returns null when the payment settled, or a failure code. Latency is what the operation reports (its payment step).
/// </summary>
public static class LoadRunner
{
    public delegate Task<(string? Failure, long LatencyTicks)> Operation(int worker, long sequence);

    public static async Task<RunResult> RunAsync(string scenario, int concurrency, TimeSpan warmup, TimeSpan duration, Operation operation, Func<WriteCounts>? writes = null)
    {
        var histogram = new LongConcurrentHistogram(1, TimeStamp.Hours(1), 3);
        var failures = new ConcurrentDictionary<string, long>();
        long settled = 0, sequence = 0;
        var measuring = false;
        var stop = false;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (!Volatile.Read(ref stop))
            {
                string? failure;
                long ticks;
                try
                {
                    (failure, ticks) = await operation(worker, Interlocked.Increment(ref sequence));
                }
                catch (Exception e)
                {
                    (failure, ticks) = ("exception:" + e.GetType().Name, 0);
                }

                if (!Volatile.Read(ref measuring))
                {
                    continue;
                }

                if (failure is null)
                {
                    Interlocked.Increment(ref settled);
                    histogram.RecordValue(Math.Max(1, ticks));
                }
                else
                {
                    failures.AddOrUpdate(failure, 1, (_, n) => n + 1);
                }
            }
        })).ToArray();

        await Task.Delay(warmup);
        var writesBefore = writes?.Invoke();
        var cpuBefore = CpuMeter.Now();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        var progress = Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                await Task.Delay(1000);
                var done = Interlocked.Read(ref settled);
                Console.Write($"\r  {scenario,-22} c={concurrency,-4} {clock.Elapsed.TotalSeconds,5:F1}s {done,8} settled {done / clock.Elapsed.TotalSeconds,9:F0}/s   ");
            }
        });
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var seconds = clock.Elapsed.TotalSeconds;
        var writesDuring = writes?.Invoke().Since(writesBefore!);
        var cpuAfter = CpuMeter.Now();
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);
        await progress;
        Console.WriteLine();

        var count = Interlocked.Read(ref settled);
        double Ms(double percentile) => count == 0 ? 0 : histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
        return RunResult.Of(
            scenario, concurrency, seconds, count,
            new LatencySummary(Ms(50), Ms(90), Ms(99), count == 0 ? 0 : histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency),
            failures.ToDictionary(), writesDuring) with
        {
            Cores = ((cpuAfter.Self - cpuBefore.Self).TotalSeconds / seconds, (cpuAfter.Azurite - cpuBefore.Azurite)?.TotalSeconds / seconds),
        };
    }

    public static long Since(long start) => Stopwatch.GetTimestamp() - start;
}
