using MedPay.Contracts;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace MedPay.Silo;

/// <summary>Mutual TLS for a silo (<c>MedPay:Cluster:Tls</c>, see <see cref="ClusterTlsOptions"/>).</summary>
public static class ClusterTls
{
    /// <summary>
    /// With <c>MedPay:Cluster:Tls:Enabled</c>, every connection this silo accepts (from other silos and from clients at
    /// its gateway) and every connection it opens to another silo is TLS, both ends present a certificate, and only a
    /// peer that <see cref="ClusterTlsTrust"/> accepts is let in; a peer without a certificate, or with any other, is
    /// cut off at the handshake, before a single Orleans message. The settings and certificates are checked here, so a
    /// silo with a bad configuration does not start. Without it, nothing changes.
    /// </summary>
    public static ISiloBuilder UseMedPayClusterTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        if (!options.Enabled)
        {
            return silo;
        }

        var trust = ClusterTlsTrust.Load(options, server: true);
        return silo.UseTls(trust.Certificate, tls =>
        {
            // Inbound, silos and clients must present a certificate; outbound, the other silo must, and this one presents its own.
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = trust.IsTrusted;
            tls.HandshakeTimeout = options.HandshakeTimeout;
        });
    }
}
