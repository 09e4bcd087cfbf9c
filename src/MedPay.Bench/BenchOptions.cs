namespace MedPay.Bench;

public sealed record BenchOptions(
    IReadOnlyList<int> Concurrency,
    TimeSpan Warmup,
    TimeSpan Duration,
    IReadOnlySet<string> Scenarios,
    string? ConnectionString,
    string OutputDirectory,
    int FootprintGrains,
    string RepositoryRoot)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var quick = args.Contains("--quick");
        var scenarios = (Value("--scenarios") ?? "memory,azurite,peer,silos,http,footprint").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var connection = Value("--connection") ?? Environment.GetEnvironmentVariable("MedPay__Storage__ConnectionString");
        if (connection is null)
        {
            scenarios.Remove("azurite");
            scenarios.Remove("silos");
        }

        return new BenchOptions(
            (Value("--concurrency") ?? (quick ? "1,16" : "1,16,64,256")).Split(',').Select(int.Parse).ToList(),
            TimeSpan.FromSeconds(double.Parse(Value("--warmup") ?? (quick ? "1" : "3"), System.Globalization.CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(double.Parse(Value("--duration") ?? (quick ? "3" : "10"), System.Globalization.CultureInfo.InvariantCulture)),
            scenarios,
            connection,
            Value("--out") ?? Path.Combine(Root(), "src", "MedPay.Bench", "results"),
            int.Parse(Value("--footprint-grains") ?? (quick ? "10000" : "100000")),
            Root());
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MedPay.sln")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
