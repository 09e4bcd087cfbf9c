using System.Net;
using System.Net.Sockets;
using System.Text;
using MedPay.Grains;
using MedPay.Grains.Notifications;

namespace MedPay.UnitTests;

/// <summary>Callback addresses that would reach into MedPay's own network are refused at registration and again before connecting.</summary>
public sealed class CallbackAddressPolicyTests
{
    private static readonly CallbackAddressPolicy Production = new([], isDevelopment: false);
    private static readonly CallbackAddressPolicy Development = new([], isDevelopment: true);

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.1/cb")]
    [InlineData("https://172.16.3.4/cb")]
    [InlineData("https://192.168.1.1/cb")]
    [InlineData("https://127.0.0.1/cb")]
    [InlineData("https://127.8.9.10:8443/cb")]
    [InlineData("https://[::1]/cb")]
    [InlineData("https://[fe80::1]/cb")]
    [InlineData("https://[fd00::1]/cb")]
    [InlineData("https://[::ffff:10.0.0.1]/cb")]
    [InlineData("https://0.0.0.0/cb")]
    [InlineData("https://224.0.0.1/cb")]
    [InlineData("https://localhost/cb")]
    [InlineData("https://metadata.localhost/cb")]
    [InlineData("http://pharmacy.example/cb")]
    [InlineData("ftp://pharmacy.example/cb")]
    [InlineData("https://user:pw@pharmacy.example/cb")]
    [InlineData("/relative")]
    public void Registration_outside_development_refuses(string url) => Assert.NotNull(Production.Check(url));

    [Theory]
    [InlineData("https://pharmacy.example/callbacks")]
    [InlineData("https://93.184.216.34/cb")]
    [InlineData("https://[2606:4700::1111]/cb")]
    public void Registration_accepts_public_https_addresses(string url) => Assert.Null(Production.Check(url));

    [Fact]
    public void Plain_http_only_in_development_and_loopback_only_on_the_allow_list()
    {
        Assert.Null(Development.Check("http://pharmacy.example/cb"));
        Assert.NotNull(Development.Check("http://127.0.0.1:5000/cb"));
        Assert.NotNull(Development.Check("http://10.0.0.1/cb"));

        var allowed = new CallbackAddressPolicy(["127.0.0.1", "10.20.0.0/16", "receiver.internal"], isDevelopment: true);
        Assert.Null(allowed.Check("http://127.0.0.1:5000/cb"));
        Assert.Null(allowed.Check("http://10.20.3.4/cb"));
        Assert.Null(allowed.Check("http://receiver.internal/cb"));
        Assert.NotNull(allowed.Check("http://10.21.0.1/cb"));
        Assert.NotNull(allowed.Check("http://169.254.169.254/cb"));

        var productionAllowed = new CallbackAddressPolicy(["127.0.0.1"], isDevelopment: false);
        Assert.NotNull(productionAllowed.Check("http://127.0.0.1:5000/cb"));
        Assert.Null(productionAllowed.Check("https://127.0.0.1:5000/cb"));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("239.1.2.3")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::abcd")]
    [InlineData("fc00::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Non_public_addresses_are_forbidden(string address) => Assert.True(CallbackAddressPolicy.IsForbidden(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    public void Public_addresses_are_not(string address) => Assert.False(CallbackAddressPolicy.IsForbidden(IPAddress.Parse(address)));

    [Fact]
    public async Task At_send_time_a_name_that_resolves_to_loopback_is_refused_without_a_connection_attempt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient(HttpCallbackSender.CreateHandler(Development)) { Timeout = TimeSpan.FromSeconds(5) };
        var sender = new HttpCallbackSender(http, TimeProvider.System, Development);

        var attempt = await sender.SendAsync(Message($"http://localhost:{port}/cb"), CancellationToken.None);

        Assert.Equal(new CallbackAttempt(false, null, CallbackAddressPolicy.RefusedError), attempt);
        await Task.Delay(100);
        Assert.False(listener.Pending(), "the refused address was connected to");
        // Nothing in the error tells what the name resolved to or whether the port is open.
        Assert.DoesNotContain("127.0.0.1", attempt.Error);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), attempt.Error);
    }

    [Fact]
    public async Task At_send_time_an_allowed_address_is_connected_to_and_plain_http_is_refused_outside_development()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var allowed = new CallbackAddressPolicy(["127.0.0.1"], isDevelopment: true);
        using var http = new HttpClient(HttpCallbackSender.CreateHandler(allowed)) { Timeout = TimeSpan.FromSeconds(1) };

        await new HttpCallbackSender(http, TimeProvider.System, allowed).SendAsync(Message($"http://127.0.0.1:{port}/cb"), CancellationToken.None);
        Assert.True(listener.Pending(), "the allowed address was not connected to");

        var production = new CallbackAddressPolicy(["127.0.0.1"], isDevelopment: false);
        using var productionHttp = new HttpClient(HttpCallbackSender.CreateHandler(production)) { Timeout = TimeSpan.FromSeconds(1) };
        var refused = await new HttpCallbackSender(productionHttp, TimeProvider.System, production).SendAsync(Message($"http://pharmacy.example:{port}/cb"), CancellationToken.None);
        Assert.Equal(CallbackAddressPolicy.RefusedError, refused.Error);
    }

    private static CallbackMessage Message(string url) => new(new Uri(url), "whsec_x", "evt-1", "order.settled", Encoding.UTF8.GetBytes("{}"));
}
