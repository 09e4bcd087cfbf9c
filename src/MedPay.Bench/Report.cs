using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ScottPlot;

namespace MedPay.Bench;

/// <summary>Collects the figures and writes report.md and chart.png (throughput and p99 against concurrency).</summary>
public sealed class Report(BenchOptions options)
{
    private readonly List<RunResult> _results = [];
    private readonly List<string> _invariants = [];
    private FootprintResult? _footprint;

    public void Add(RunResult result)
    {
        _results.Add(result);
        var failures = result.Failures.Count == 0 ? "" : "  failures: " + string.Join(", ", result.Failures.Select(f => $"{f.Key} {f.Value}"));
        Console.WriteLine($"  {result.Scenario,-22} c={result.Concurrency,-4} {result.PerSecond,9:F0}/s  p50 {result.Latency.P50Ms:F1} ms  p99 {result.Latency.P99Ms:F1} ms  max {result.Latency.MaxMs:F1} ms  writes/payment {result.WritesPerPayment:F2} + reminders {result.ReminderWritesPerPayment:F2}  cpu {result.Cores.Self:F2}{(result.Cores.Azurite is { } a ? $" + Azurite {a:F2}" : "")} cores{failures}");
    }

    public void AddInvariants(string scenario, int concurrency, IReadOnlyList<string> violations)
    {
        var line = violations.Count == 0 ? $"{scenario} c={concurrency}: invariants hold" : $"{scenario} c={concurrency}: {violations.Count} violations, first: {violations[0]}";
        _invariants.Add(line);
        Console.WriteLine("  " + line);
    }

    public void SetFootprint(FootprintResult footprint)
    {
        _footprint = footprint;
        Console.WriteLine($"  footprint: {footprint.Grains} idle order grains: {footprint.BytesPerGrain:F0} bytes each; {footprint.ActivationsAfter} left after collection; an empty grain {footprint.EmptyGrainBytes:F0} bytes; heap {Mb(footprint.BaselineBytes):F1} → {Mb(footprint.ActivatedBytes):F1} → {Mb(footprint.AfterCollectionBytes):F1} MB");
    }

    public void Write()
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var chart = Path.Combine(options.OutputDirectory, "chart.png");
        WriteChart(chart);
        var markdown = Path.Combine(options.OutputDirectory, "report.md");
        File.WriteAllText(markdown, Markdown());
        Console.WriteLine($"Wrote {markdown} and {chart}");
    }

    private string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# MedPay benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Mb(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) / 1024:F0} GB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}. "
            + $"Each run: {options.Warmup.TotalSeconds:F0} s warm-up, {options.Duration.TotalSeconds:F0} s measured; one silo and its client in this process.");
        md.AppendLine();
        md.AppendLine("| scenario | concurrency | payments/s | p50 ms | p90 ms | p99 ms | max ms | durable writes / payment | reminder writes / payment | CPU cores: bench process (+ Azurite) | failures |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in _results)
        {
            var failures = r.Failures.Count == 0 ? "" : string.Join(", ", r.Failures.Select(f => $"{f.Key}: {f.Value}"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Concurrency} | {r.PerSecond:F0} | {r.Latency.P50Ms:F1} | {r.Latency.P90Ms:F1} | {r.Latency.P99Ms:F1} | {r.Latency.MaxMs:F1} | {(r.Scenario.Contains("raw") ? "1" : r.WritesPerPayment.ToString("F2", CultureInfo.InvariantCulture))} | {(r.Scenario.Contains("raw") ? "" : r.ReminderWritesPerPayment.ToString("F2", CultureInfo.InvariantCulture))} | {r.Cores.Self:F2}{(r.Cores.Azurite is { } a && a > 0.005 ? $" (+{a:F2})" : "")} | {failures} |");
        }

        md.AppendLine();
        var bound = BoundLines();
        if (bound.Count > 0)
        {
            md.AppendLine("**Against the storage bound** (bound = raw upserts/s ÷ durable writes per payment; the last column counts the reminder table's writes too, which on Azure are table writes like any other):");
            md.AppendLine();
            md.AppendLine("| concurrency | raw upserts/s | writes/payment | bound payments/s | MedPay payments/s | fraction of bound | + reminder writes/payment | fraction of that bound | Azurite CPU, MedPay run (cores) | Azurite CPU ms per payment | per raw upsert |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            bound.ForEach(line => md.AppendLine(line));
            md.AppendLine();
        }

        var kinds = _results.Where(r => !r.Scenario.StartsWith("peer", StringComparison.Ordinal) && r.WritesByState is not null)
            .SelectMany(r => r.WritesByState!.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        if (kinds.Count > 0)
        {
            md.AppendLine("**Where a payment's durable writes go** (grain state written per settled payment, by kind; reminder-table writes and grain state reads (one per activation) in the last columns; over HTTP only the pay request is measured):");
            md.AppendLine();
            md.AppendLine($"| scenario | concurrency | {string.Join(" | ", kinds)} | reminders | state reads |");
            md.AppendLine($"|---|---:|{string.Concat(kinds.Select(_ => "---:|"))}---:|---:|");
            foreach (var r in _results.Where(r => !r.Scenario.StartsWith("peer", StringComparison.Ordinal) && r.WritesByState is not null))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Concurrency} | {string.Join(" | ", kinds.Select(k => r.WritesByState!.GetValueOrDefault(k).ToString("F2", CultureInfo.InvariantCulture)))} | {r.ReminderWritesPerPayment:F2} | {r.ReadsPerPayment:F2} |");
            }

            md.AppendLine();
        }

        var peers = PeerLines();
        if (peers.Count > 0)
        {
            md.AppendLine("**Against the Orleans Transactions peer** (same payment: voucher debit + order settlement, atomically; transactional state kept through the same grain storage provider, since `Microsoft.Orleans.Transactions.AzureStorage` is not available):");
            md.AppendLine();
            md.AppendLine("| storage | concurrency | MedPay payments/s | peer payments/s | MedPay ÷ peer |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            peers.ForEach(line => md.AppendLine(line));
            md.AppendLine();
            _invariants.ForEach(line => md.AppendLine("- " + line));
            md.AppendLine();
        }

        if (_footprint is { } f)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"**Memory**: {f.Grains:N0} idle order grains activated: managed heap {Mb(f.BaselineBytes):F0} → {Mb(f.ActivatedBytes):F0} MB, **{f.BytesPerGrain:F0} bytes per activation**; after forced idle collection {f.ActivationsAfter:N0} of {f.ActivationsBefore:N0} activations remain and the heap is {Mb(f.AfterCollectionBytes):F0} MB. For comparison, an empty grain (no state, no fields) costs **{f.EmptyGrainBytes:F0} bytes per activation** here: Orleans' own floor.");
            md.AppendLine();
        }

        md.AppendLine("![throughput and p99 against concurrency](chart.png)");
        return md.ToString();
    }

    private List<string> BoundLines()
    {
        var lines = new List<string>();
        foreach (var medpay in _results.Where(r => r.Scenario == "medpay azurite"))
        {
            if (_results.FirstOrDefault(r => r.Scenario == "azurite raw upserts" && r.Concurrency == medpay.Concurrency) is { } raw && medpay.WritesPerPayment > 0)
            {
                var boundPerSecond = raw.PerSecond / medpay.WritesPerPayment;
                var withReminders = raw.PerSecond / medpay.TableWritesPerPayment;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {medpay.Concurrency} | {raw.PerSecond:F0} | {medpay.WritesPerPayment:F2} | {boundPerSecond:F0} | {medpay.PerSecond:F0} | {medpay.PerSecond / boundPerSecond:P0} | {medpay.ReminderWritesPerPayment:F2} | {medpay.PerSecond / withReminders:P0} | {medpay.Cores.Azurite:F2} | {medpay.Cores.Azurite * 1000 / medpay.PerSecond:F2} | {raw.Cores.Azurite * 1000 / raw.PerSecond:F2} |"));
            }
        }

        return lines;
    }

    private List<string> PeerLines()
    {
        var lines = new List<string>();
        foreach (var peer in _results.Where(r => r.Scenario.StartsWith("peer ", StringComparison.Ordinal)))
        {
            var storage = peer.Scenario["peer ".Length..];
            if (_results.FirstOrDefault(r => r.Scenario == "medpay " + storage && r.Concurrency == peer.Concurrency) is { } medpay && peer.PerSecond > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {storage} | {peer.Concurrency} | {medpay.PerSecond:F0} | {peer.PerSecond:F0} | {medpay.PerSecond / peer.PerSecond:F2} |"));
            }
        }

        return lines;
    }

    private void WriteChart(string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var throughput = multiplot.GetPlot(0);
        var p99 = multiplot.GetPlot(1);
        foreach (var group in _results.Where(r => !r.Scenario.Contains("raw")).GroupBy(r => r.Scenario))
        {
            var xs = group.Select(r => Math.Log2(r.Concurrency)).ToArray();
            var a = throughput.Add.Scatter(xs, group.Select(r => r.PerSecond).ToArray());
            a.LegendText = group.Key;
            var b = p99.Add.Scatter(xs, group.Select(r => r.Latency.P99Ms).ToArray());
            b.LegendText = group.Key;
        }

        throughput.Title("Settled payments per second");
        p99.Title("p99 latency of the payment (ms)");
        foreach (var plot in new[] { throughput, p99 })
        {
            plot.XLabel("concurrency (log2)");
            plot.ShowLegend(Alignment.UpperLeft);
            var ticks = options.Concurrency.Select(c => new Tick(Math.Log2(c), c.ToString(CultureInfo.InvariantCulture))).ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        }

        multiplot.SavePng(path, 1200, 520);
    }

    private static double Mb(long bytes) => bytes / 1024.0 / 1024.0;
}
