using System.Net;
using System.Net.Sockets;
using System.Text;
using MedPay.Grains.Notifications;

namespace MedPay.ClusterTests;

/// <summary>One request the listener answered, as a merchant's endpoint would have seen it.</summary>
public sealed record ReceivedCallback(string EventId, string EventType, string Body, bool SignatureValid, int ResponseStatus, DateTimeOffset At);

/// <summary>
/// A merchant's callback endpoint on 127.0.0.1, over real HTTP, so delivery is tested through sockets and not a fake
/// handler. It checks signatures as a merchant would, records every request before answering (an acknowledged
/// attempt is always already in <see cref="Received"/>), and can fail the first requests to exercise retries.
/// </summary>
public sealed class CallbackListener : IAsyncDisposable, IDisposable
{
    private const int StartAttempts = 10;
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly HttpListener _listener;
    private string _secret;
    private readonly int _failFirst;
    private readonly int _slowFirst;
    private readonly TimeSpan _slowBy;
    private readonly Lock _gate = new();
    private readonly List<ReceivedCallback> _received = [];
    private readonly List<(Func<ReceivedCallback, bool> Match, TaskCompletionSource<ReceivedCallback> Done)> _waiters = [];
    private readonly Task _accepting;
    private int _requests;
    private int _disposed;

    private CallbackListener(HttpListener listener, int port, string secret, int failFirst, int slowFirst, TimeSpan slowBy)
    {
        _listener = listener;
        _secret = secret;
        _failFirst = failFirst;
        _slowFirst = slowFirst;
        _slowBy = slowBy;
        Url = new Uri($"http://127.0.0.1:{port}/callbacks");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>Settable because a merchant's secret is issued only after it registers this listener's <see cref="Url"/>.</summary>
    public string Secret
    {
        get => Volatile.Read(ref _secret);
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            Volatile.Write(ref _secret, value);
        }
    }

    public IReadOnlyList<ReceivedCallback> Received
    {
        get
        {
            lock (_gate)
                return [.. _received];
        }
    }

    /// <summary>
    /// Listens on a free port; <paramref name="failFirst"/> requests are answered 500 before the rest get 200, and the
    /// first <paramref name="slowFirst"/> requests are answered only after <paramref name="slowBy"/>.
    /// </summary>
    public static CallbackListener Start(string secret, int failFirst = 0, int slowFirst = 0, TimeSpan slowBy = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfNegative(failFirst);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new CallbackListener(listener, port, secret, failFirst, slowFirst, slowBy);
            }
            catch (HttpListenerException) when (attempt < StartAttempts)
            {
                listener.Close();
            }
        }
    }

    /// <summary>The first callback, received already or later, that matches; waits so tests need not poll.</summary>
    public async Task<ReceivedCallback> WaitForAsync(Func<ReceivedCallback, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<ReceivedCallback> done;
        lock (_gate)
        {
            var already = _received.FirstOrDefault(match);
            if (already is not null)
                return already;
            done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var seen = Received;
            throw new TimeoutException(
                $"No matching callback at {Url} within {timeout}; received {seen.Count}: "
                + string.Join("; ", seen.Select(r => $"{r.EventType} {r.EventId} -> {r.ResponseStatus}{(r.SignatureValid ? "" : " (bad signature)")}")));
        }
        finally
        {
            lock (_gate)
                _waiters.RemoveAll(w => w.Done == done);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _listener.Stop();
        _listener.Close();
        await _accepting;
        List<TaskCompletionSource<ReceivedCallback>> waiting;
        lock (_gate)
        {
            waiting = [.. _waiters.Select(w => w.Done)];
            _waiters.Clear();
        }
        foreach (var done in waiting)
            done.TrySetException(new ObjectDisposedException(nameof(CallbackListener), $"The listener at {Url} was stopped."));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try
        {
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        finally
        {
            probe.Stop();
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            using var buffer = new MemoryStream();
            await request.InputStream.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var valid = CallbackSignature.Verify(
                Secret,
                request.Headers[CallbackSignature.TimestampHeader],
                request.Headers[CallbackSignature.SignatureHeader],
                body,
                DateTimeOffset.UtcNow,
                Tolerance);
            var number = Interlocked.Increment(ref _requests);
            var status = number <= _failFirst ? 500 : 200;
            if (number <= _slowFirst)
                await Task.Delay(_slowBy);
            Record(new ReceivedCallback(
                request.Headers[CallbackSignature.EventIdHeader] ?? "",
                request.Headers[CallbackSignature.EventTypeHeader] ?? "",
                Encoding.UTF8.GetString(body),
                valid,
                status,
                DateTimeOffset.UtcNow));

            context.Response.StatusCode = status;
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
        catch (Exception)
        {
            context.Response.Abort();
        }
    }

    private void Record(ReceivedCallback callback)
    {
        List<TaskCompletionSource<ReceivedCallback>> matched;
        List<(TaskCompletionSource<ReceivedCallback> Done, Exception Error)> broken = [];
        lock (_gate)
        {
            _received.Add(callback);
            matched = [];
            foreach (var (match, done) in _waiters)
            {
                try
                {
                    if (match(callback))
                        matched.Add(done);
                }
                catch (Exception e)
                {
                    broken.Add((done, e));
                }
            }
            _waiters.RemoveAll(w => matched.Contains(w.Done) || broken.Exists(b => b.Done == w.Done));
        }
        foreach (var done in matched)
            done.TrySetResult(callback);
        foreach (var (done, error) in broken)
            done.TrySetException(error);
    }
}
