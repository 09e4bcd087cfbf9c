using System.Diagnostics;
using System.Text.Json;
using MedPay.Api;
using MedPay.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MedPay.Bench;

/// <summary>
/// End to end over HTTP: the real API in front of a silo with in-memory storage, loaded by autocannon (npm) with the
/// payment requests of orders and consents prepared beforehand, one request per order; a first pass over other orders
/// warms the API and the silo up and is not measured.
/// </summary>
public static class HttpLoad
{
    public static async Task<RunResult> RunAsync(BenchOptions options, int concurrency)
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await using var silo = await BenchSilo.StartAsync("Memory", null, "http-" + run);
        var api = MedPayApi.Build(
            // Development, for the embedded token issuer: each payment goes with its user's bearer token, validated as in production.
            ["--urls=http://127.0.0.1:0", "--environment=Development", "--MedPay:Auth:DevelopmentIssuer=true", "--MedPay:Dashboard:Enabled=false",
                $"--MedPay:Clustering:GatewayPort={silo.GatewayPort}", $"--MedPay:Clustering:ServiceId=http-{run}", $"--MedPay:Clustering:ClusterId=http-{run}"],
            builder => builder.Logging.ClearProviders());
        await api.StartAsync();
        try
        {
            var url = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            // About the warm-up's and the measured window's worth of requests at 1,000 and 2,000 payments/s.
            var warmup = Math.Max(1_000, (int)(options.Warmup.TotalSeconds * 1_000));
            var requests = Math.Max(4_000, (int)(options.Duration.TotalSeconds * 2_000));
            Console.WriteLine($"  http c={concurrency}: preparing {warmup} + {requests} orders and consents");
            var prepared = await PrepareAsync(silo.Grains, new Uri(url), run, warmup + requests);
            var warmFile = Path.Combine(Path.GetTempPath(), $"medpay-http-{run}-warmup.json");
            var file = Path.Combine(Path.GetTempPath(), $"medpay-http-{run}.json");
            await File.WriteAllTextAsync(warmFile, JsonSerializer.Serialize(prepared[..warmup]));
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(prepared[warmup..]));
            await AutocannonAsync(options.RepositoryRoot, url, warmFile, concurrency);
            var writesBefore = silo.Writes();
            var cpuBefore = CpuMeter.Now();
            var result = await AutocannonAsync(options.RepositoryRoot, url, file, concurrency);
            var cpu = CpuMeter.Now().Self - cpuBefore.Self;
            File.Delete(warmFile);
            File.Delete(file);
            var settled = result.GetProperty("ok").GetInt64();
            var failures = new Dictionary<string, long>();
            if (result.GetProperty("non2xx").GetInt64() is > 0 and var non2xx)
            {
                failures["non-2xx"] = non2xx;
            }

            if (result.GetProperty("errors").GetInt64() is > 0 and var errors)
            {
                failures["errors"] = errors;
            }

            var seconds = result.GetProperty("seconds").GetDouble();
            Console.WriteLine($"  http memory            c={concurrency,-4} {seconds,5:F1}s {settled,8} settled {settled / seconds,9:F0}/s");
            return RunResult.Of("http memory", concurrency, seconds, settled,
                new(result.GetProperty("p50").GetDouble(), result.GetProperty("p90").GetDouble(), result.GetProperty("p99").GetDouble(), result.GetProperty("max").GetDouble()),
                failures, silo.Writes().Since(writesBefore)) with { Cores = (cpu.TotalSeconds / seconds, null) };
        }
        finally
        {
            await api.StopAsync();
            await api.DisposeAsync();
        }
    }

    private static async Task<List<string[]>> PrepareAsync(IGrainFactory grains, Uri api, string run, int count)
    {
        var merchant = $"http-{run}";
        // Many users, each paying a few orders, as in the in-process scenarios.
        var users = Enumerable.Range(0, 2_000).Select(i => $"http-{run}-{i}").ToArray();
        var people = users.ToDictionary(u => u, _ => Scenarios.BenchVoucher());
        await Task.WhenAll(users.Select(u => grains.GetGrain<IEVoucherGrain>(u).OpenAsync(people[u])));
        var tokens = new Dictionary<string, string>();
        using (var http = new HttpClient { BaseAddress = api })
        {
            foreach (var user in users)
            {
                using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = DevelopmentTokenIssuer.GrantType,
                    ["sub"] = user,
                }));
                response.EnsureSuccessStatusCode();
                tokens[user] = "Bearer " + JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
            }
        }

        var prepared = new string[count][];
        var gate = new SemaphoreSlim(64);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var orderNo = $"{run}-{i}";
                var user = users[i % users.Length];
                await grains.GetGrain<IMedicalOrderGrain>(OrderIds.For(merchant, orderNo)).CreateAsync(new(merchant, orderNo, user,
                    [new("A-AMOX-250", "Amoxicillin 250 mg", ItemCategory.A, 1_200, 2), new("C-MASK", "Face masks", ItemCategory.C, 500, 1)]));
                var grant = await grains.GetGrain<IEVoucherGrain>(user).AuthorizeAsync(new(merchant, 1_000_000, orderNo, 60, people[user].NationalId));
                prepared[i] = [$"/v1/orders/{OrderIds.For(merchant, orderNo)}/payments", JsonSerializer.Serialize(new { authCode = grant.Value!.AuthCode }), tokens[user]];
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. prepared];
    }

    private static async Task<JsonElement> AutocannonAsync(string root, string url, string file, int connections)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(root, "src", "MedPay.Bench", "http-load.mjs"), url, file, connections.ToString()])
        {
            RedirectStandardOutput = true,
            WorkingDirectory = root,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone()
            : throw new InvalidOperationException($"autocannon failed ({process.ExitCode}): {output}");
    }
}
