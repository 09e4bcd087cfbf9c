using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MedPay.Platform;
using MedPay.Platform.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MedPay.Testing;

/// <summary>
/// The sandbox insurance platform and cash channel as the real process it is (src/MedPay.Sandbox), on a port of its
/// own, with its own tables on the test Azurite. It can be killed and started again on the same port and tables:
/// its records and scripts survive. It exits by itself when the test process goes away.
/// </summary>
public sealed class SandboxProcess : IAsyncDisposable
{
    public const string AdminKey = "sandbox-development-admin-key";

    private readonly string _connectionString;
    private readonly string _tablePrefix;
    private readonly List<string> _output = [];
    private Process? _process;

    private SandboxProcess(int port, string connectionString, string tablePrefix)
    {
        Port = port;
        _connectionString = connectionString;
        _tablePrefix = tablePrefix;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Admin = SandboxAdminClient.For(BaseAddress, AdminKey);
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>Scripts the sandbox and reads its records over its admin endpoint.</summary>
    public SandboxAdminClient Admin { get; }

    /// <summary>The settings that point a silo at this sandbox, with the development keys.</summary>
    public Dictionary<string, string?> SiloSettings => new()
    {
        ["MedPay:Platform:Mode"] = "Remote",
        ["MedPay:Platform:BaseAddress"] = BaseAddress.ToString(),
        ["MedPay:Platform:InstitutionCode"] = "H33010600001",
        ["MedPay:Platform:DefaultRegion"] = "330100",
        ["MedPay:Platform:SigningKey"] = RemotePlatformOptions.DevelopmentKeys.MedPaySigningKey,
        ["MedPay:Platform:PlatformPublicKey"] = RemotePlatformOptions.DevelopmentKeys.SandboxPublicKey,
    };

    /// <summary>
    /// The sandbox platform reached as a silo reaches it (signed envelopes over HTTP), with <paramref name="overrides"/>
    /// of <see cref="SiloSettings"/> (another signing key, say).
    /// </summary>
    public IInsurancePlatform Platform(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = SiloSettings;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new ServiceCollection()
            .AddLogging()
            .AddRemotePlatform(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider()
            .GetRequiredService<IInsurancePlatform>();
    }

    public static async Task<SandboxProcess> StartAsync(string connectionString)
    {
        var sandbox = new SandboxProcess(FreePort(), connectionString, "sbx" + Guid.NewGuid().ToString("N")[..12]);
        await sandbox.StartAsync();
        return sandbox;
    }

    public async Task StartAsync()
    {
        var dll = Path.Combine(RepositoryRoot(), "src", "MedPay.Sandbox", "bin", Configuration(), "net10.0", "MedPay.Sandbox.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The sandbox is not built: {dll}. Build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var arg in new[]
        {
            dll,
            "--environment=Development",
            $"--urls=http://127.0.0.1:{Port}",
            $"--Sandbox:StorageConnectionString={_connectionString}",
            $"--Sandbox:TablePrefix={_tablePrefix}",
            $"--Sandbox:ParentProcessId={Environment.ProcessId}",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The sandbox did not start.");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The sandbox exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(BaseAddress, "health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The sandbox did not answer on {BaseAddress} within 60 s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the process at once, as a crash would: requests in flight get no answer.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(50));
            }
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 500)
            {
                _output.RemoveRange(0, 250);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Configuration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MedPay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("MedPay.sln is not above " + AppContext.BaseDirectory);
    }
}
