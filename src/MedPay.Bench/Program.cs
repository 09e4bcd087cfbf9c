using MedPay.Bench;

// The MedPay benchmark suite: see README "Benchmarks". Prints figures as it goes; writes report.md and chart.png.
var options = BenchOptions.Parse(args);
var report = new Report(options);
Console.WriteLine($"MedPay bench: concurrency {string.Join(", ", options.Concurrency)}, {options.Duration.TotalSeconds:F0} s each after {options.Warmup.TotalSeconds:F0} s warm-up; scenarios {string.Join(", ", options.Scenarios)}");

foreach (var storage in new[] { "memory", "azurite" }.Where(options.Scenarios.Contains))
{
    var provider = storage == "memory" ? "Memory" : "AzureTable";
    foreach (var concurrency in options.Concurrency)
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await using var silo = await BenchSilo.StartAsync(provider, options.ConnectionString, "bench-" + run);
        var medpay = await Scenarios.MedPayAsync(silo.Grains, concurrency, run);
        var measured = await LoadRunner.RunAsync($"medpay {storage}", concurrency, options.Warmup, options.Duration, medpay, silo.Writes);
        report.Add(measured.WithDeferred(await silo.FlushDeferredWritesAsync()));

        if (options.Scenarios.Contains("peer"))
        {
            var (peer, check) = await Scenarios.PeerAsync(silo.Grains, concurrency, run);
            report.Add(await LoadRunner.RunAsync($"peer {storage}", concurrency, options.Warmup, options.Duration, peer, silo.Writes));
            try
            {
                report.AddInvariants($"peer {storage}", concurrency, await check());
            }
            catch (Exception e)
            {
                report.AddInvariants($"peer {storage}", concurrency, [$"the check could not complete: {e.GetType().Name}: {e.Message}"]);
            }
        }
    }

    if (storage == "azurite")
    {
        foreach (var concurrency in options.Concurrency)
        {
            report.Add(await Scenarios.RawUpsertsAsync(options.ConnectionString!, concurrency, options.Warmup, TimeSpan.FromSeconds(Math.Min(5, options.Duration.TotalSeconds)), Guid.NewGuid().ToString("N")[..10]));
        }
    }
}

if (options.Scenarios.Contains("silos") && options.ConnectionString is { } azurite)
{
    // One machine, many silos: a cluster of 1, 2 and 3 silos (Azure Table membership on Azurite, grain state in memory
    // so that Azurite's one thread does not set the pace), loaded through the first silo's grain factory; grains are
    // placed across the cluster, so most calls cross between silos as they would behind the API.
    var concurrency = options.Concurrency.Contains(64) ? 64 : options.Concurrency.Max();
    foreach (var count in new[] { 1, 2, 3 })
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var silos = new List<BenchSilo>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                silos.Add(await BenchSilo.StartAsync("Memory", azurite, "bench-" + run, "benchmembers" + run));
            }

            var medpay = await Scenarios.MedPayAsync(silos[0].Grains, concurrency, run);
            report.Add(await LoadRunner.RunAsync($"medpay {count} silo{(count > 1 ? "s" : "")}", concurrency, options.Warmup, options.Duration, medpay, () => BenchSilo.Writes(silos)));
        }
        finally
        {
            foreach (var silo in Enumerable.Reverse(silos))
            {
                await silo.DisposeAsync();
            }
        }
    }
}

if (options.Scenarios.Contains("http"))
{
    foreach (var concurrency in options.Concurrency.Where(c => c > 1))
    {
        report.Add(await HttpLoad.RunAsync(options, concurrency));
    }
}

if (options.Scenarios.Contains("footprint"))
{
    report.SetFootprint(await Footprint.MeasureAsync(options.FootprintGrains));
}

report.Write();
