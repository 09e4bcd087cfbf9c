using System.Collections.Concurrent;
using MedPay.Grains;
using MedPay.Grains.Domain;
using MedPay.Platform;
using MedPay.Testing;
using Orleans.Runtime;

namespace MedPay.ClusterTests;

/// <summary>
/// MedPay's clock in a test cluster (<see cref="MedPayClock"/>): real time plus an offset that a test moves forward.
/// Only <see cref="GetUtcNow"/> is shifted; timers, timestamps and the time zone are the base class's, that is the
/// system's, so a grain timer or a delay still takes real time. It is registered under <see cref="MedPayClock.Key"/>
/// only, never as the silo's <see cref="TimeProvider"/>, which Orleans itself runs on (see <see cref="MedPayClock"/>).
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>
/// What lives outside MedPay and outlives its silos: the sandbox insurance platform and cash channel, shared by every
/// silo in this process (as a real platform would be), and one clock per test cluster.
/// </summary>
public static class TestWorld
{
    private static readonly SemaphoreSlim SandboxStart = new(1, 1);
    private static SandboxProcess? _sandbox;
    private static IInsurancePlatform? _platform;

    /// <summary>The sandbox platform process every test cluster of this run settles with; started by the first cluster.</summary>
    public static SandboxProcess SandboxProcess => _sandbox ?? throw new InvalidOperationException("No test cluster has started the sandbox yet.");

    /// <summary>Scripts the sandbox and reads its own records.</summary>
    public static ISandboxControl Sandbox => SandboxProcess.Admin;

    /// <summary>The sandbox platform reached as the silos reach it: signed envelopes over HTTP.</summary>
    public static IInsurancePlatform Platform => _platform ??= SandboxProcess.Platform();

    public static async Task<SandboxProcess> EnsureSandboxAsync()
    {
        await SandboxStart.WaitAsync();
        try
        {
            return _sandbox ??= await SandboxProcess.StartAsync(StorageConnectionString);
        }
        finally
        {
            SandboxStart.Release();
        }
    }

    /// <summary>Whether the platform holds a settlement (standing or reversed) with this id.</summary>
    public static async Task<bool> SettledAtPlatformAsync(string settlementId) =>
        await Sandbox.RecordAsync(PlatformRecordKind.Settlement, settlementId) is { Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed };
    public static readonly FlowScript Flow = new();

    private static readonly ConcurrentDictionary<string, TestClock> Clocks = new();

    public static TestClock ClockFor(string serviceId) => Clocks.GetOrAdd(serviceId, _ => new TestClock());

    /// <summary>The Azurite (or storage account) the test command started, or the local default.</summary>
    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("MedPay__Storage__ConnectionString") is { Length: > 0 } configured ? configured : "UseDevelopmentStorage=true";

    private static int _people;

    /// <summary>
    /// A valid national ID of a new person (one person has one e-voucher: the birth date differs on every call in this
    /// process unless given) whose sandbox personal-account balance (employees) is <paramref name="sequence"/> × 1,000 fen.
    /// </summary>
    public static string NationalIdWithSequence(int sequence, string region = "330106", string? birth = null)
    {
        birth ??= new DateOnly(1940, 1, 1).AddDays(Interlocked.Increment(ref _people) % 29_000).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var first17 = $"{region}{birth}{sequence:D3}";
        return first17 + NationalId.CheckCharacter(first17);
    }

    private static long _unique;

    /// <summary>A short id unique in this test run.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Environment.ProcessId:x}-{Interlocked.Increment(ref _unique)}-{Guid.NewGuid().ToString("N")[..6]}";
}

/// <summary>Where tests want a payment to stop (for good, as if its silo died there) or to wait (until the test lets it go).</summary>
public sealed class FlowScript
{
    private readonly ConcurrentDictionary<string, (FlowStep Step, TaskCompletionSource<SiloAddress> Reached, Task Released)> _stops = new();

    /// <summary>Stops the order's flow at <paramref name="step"/> for good; the task completes with the silo it stopped on.</summary>
    public Task<SiloAddress> StopAt(string orderId, FlowStep step) => Hold(orderId, step, Task.Delay(Timeout.InfiniteTimeSpan));

    /// <summary>
    /// Holds the order's flow at <paramref name="step"/> until the test calls <see cref="FlowPause.Release"/>: the test
    /// acts at a known point of the payment instead of guessing how long "long enough" is.
    /// </summary>
    public FlowPause PauseAt(string orderId, FlowStep step)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new FlowPause(Hold(orderId, step, release.Task), release);
    }

    internal (TaskCompletionSource<SiloAddress> Reached, Task Released)? Take(string orderId, FlowStep step) =>
        _stops.TryGetValue(orderId, out var stop) && stop.Step == step && _stops.TryRemove(new(orderId, stop)) ? (stop.Reached, stop.Released) : null;

    private Task<SiloAddress> Hold(string orderId, FlowStep step, Task released)
    {
        var reached = new TaskCompletionSource<SiloAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        _stops[orderId] = (step, reached, released);
        return reached.Task;
    }
}

/// <summary>A payment held at a step: <see cref="Reached"/> completes when it gets there; it goes on after <see cref="Release"/>.</summary>
public sealed class FlowPause(Task<SiloAddress> reached, TaskCompletionSource release)
{
    public Task<SiloAddress> Reached => reached;

    public void Release() => release.TrySetResult();

    /// <summary>The flow fails at the step instead of going on, as if its activation had died there (the silo lives on).</summary>
    public void Fail() => release.TrySetException(new InvalidOperationException("The test failed the flow here."));
}

/// <summary>Holds a scripted payment at its step: the grain call waits there (for good, or until the test releases it).</summary>
public sealed class TestFlowHooks(FlowScript script, SiloAddress silo) : IPaymentFlowHooks
{
    public async ValueTask AtAsync(FlowStep step, string orderId)
    {
        if (script.Take(orderId, step) is { } stop)
        {
            stop.Reached.TrySetResult(silo);
            await stop.Released;
        }
    }
}
