using MedPay.Contracts;
using Orleans.Connections.Security;

namespace MedPay.Api;

/// <summary>Mutual TLS for the API's Orleans client (<c>MedPay:Cluster:Tls</c>, see <see cref="ClusterTlsOptions"/>).</summary>
public static class ClusterTlsClient
{
    /// <summary>
    /// With <c>MedPay:Cluster:Tls:Enabled</c>, the client reaches the gateways over TLS only, presents the cluster
    /// certificate, and talks only to a gateway whose certificate <see cref="ClusterTlsTrust"/> accepts. The settings
    /// and certificates are checked here, so an API with a bad configuration does not start. Without it, nothing changes.
    /// </summary>
    public static IClientBuilder UseMedPayClusterTls(this IClientBuilder client, IConfiguration configuration)
    {
        var options = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        if (!options.Enabled)
        {
            return client;
        }

        var trust = ClusterTlsTrust.Load(options, server: false);
        return client.UseTls(trust.Certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = trust.IsTrusted;
            tls.HandshakeTimeout = options.HandshakeTimeout;
        });
    }
}
