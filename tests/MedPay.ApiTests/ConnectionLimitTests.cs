using System.Net;
using System.Net.Sockets;

namespace MedPay.ApiTests;

/// <summary>
/// Half-open connections: a client that opens many connections and sends nothing holds at most
/// <c>MedPay:Kestrel:MaxConcurrentConnections</c> of them, each only until <c>KeepAliveTimeout</c> (a connection that
/// has sent nothing is idle to Kestrel; the header timeout starts at the first byte); the API keeps serving everyone else.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConnectionLimitTests(ApiFixture fixture)
{
    [Fact]
    public async Task Many_silent_connections_neither_exhaust_the_api_nor_stop_it_serving()
    {
        await using var api = fixture.OtherApi(
            "--environment=Development", "--MedPay:Kestrel:MaxConcurrentConnections=40", "--MedPay:Kestrel:RequestHeadersTimeout=00:00:02", "--MedPay:Kestrel:KeepAliveTimeout=00:00:02");
        await api.StartAsync();
        var address = ApiFixture.AddressOf(api);
        var silent = new List<TcpClient>();
        try
        {
            // Ten times the limit, each connected and silent, as a flood of half-open connections.
            for (var i = 0; i < 400; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, address.Port);
                silent.Add(client);
            }

            // The API closes the silent ones (at once past the limit, after the header timeout within it) and serves others.
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
            var served = false;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!served && DateTime.UtcNow < deadline)
            {
                try
                {
                    served = (await http.GetAsync("/health/live")).StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.True(served, "the API did not serve a normal request while silent connections were open");
            var closed = 0;
            foreach (var client in silent)
            {
                var stream = client.GetStream();
                stream.ReadTimeout = 100;
                try
                {
                    closed += stream.Read(new byte[1]) == 0 ? 1 : 0;
                }
                catch (IOException)
                {
                    closed++;
                }
            }

            // Every silent connection was let go by the server; none is held for its client.
            Assert.Equal(silent.Count, closed);
        }
        finally
        {
            silent.ForEach(c => c.Dispose());
            await api.StopAsync();
        }
    }
}
