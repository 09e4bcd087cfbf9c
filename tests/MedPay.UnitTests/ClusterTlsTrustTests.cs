using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MedPay.Contracts;
using Microsoft.Extensions.Options;

namespace MedPay.UnitTests;

/// <summary>
/// Which peer certificates a cluster member accepts (<see cref="ClusterTlsTrust"/>) and which settings it refuses to
/// start with. Every certificate is made here, at run time, in a private temporary folder.
/// </summary>
public sealed class ClusterTlsTrustTests : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly string _folder = Directory.CreateTempSubdirectory("medpay-tls-unit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_peer_is_accepted_with_the_cluster_certificate_itself_and_refused_with_another_of_the_same_name_or_none()
    {
        using var cluster = SelfSigned("CN=medpay-cluster");
        using var stranger = SelfSigned("CN=medpay-cluster");
        var trust = ClusterTlsTrust.Load(Options(Pfx(cluster, "pw")), server: true);

        Assert.True(trust.IsTrusted(Public(cluster), null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(trust.IsTrusted(Public(stranger), null, SslPolicyErrors.None));
        Assert.False(trust.IsTrusted(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void A_certificate_trusted_by_thumbprint_is_accepted_until_it_expires()
    {
        using var cluster = SelfSigned("CN=medpay-cluster");
        using var next = SelfSigned("CN=medpay-cluster-next");
        using var expired = SelfSigned("CN=medpay-cluster-old", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        var options = Options(Pfx(cluster, "pw"));
        // Written as operators copy them: lower case, with colons.
        options.TrustedThumbprints.Add(string.Join(':', ClusterTlsTrust.Thumbprint(next).ToLowerInvariant().Chunk(2).Select(c => new string(c))));
        options.TrustedThumbprints.Add(ClusterTlsTrust.Thumbprint(expired));
        var trust = ClusterTlsTrust.Load(options, server: true);

        Assert.True(trust.IsTrusted(Public(next), null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(trust.IsTrusted(Public(expired), null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void With_an_authority_a_certificate_it_issued_is_accepted_and_one_of_another_authority_of_the_same_name_is_not()
    {
        using var authority = Authority("CN=medpay-cluster-ca");
        using var impostor = Authority("CN=medpay-cluster-ca");
        using var mine = Issued(authority, "CN=silo-1");
        using var peer = Issued(authority, "CN=silo-2");
        using var forged = Issued(impostor, "CN=silo-2");
        var caPath = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(caPath, authority.ExportCertificatePem());
        var options = Options(Pfx(mine, "pw"));
        options.CaCertificatePath = caPath;
        var trust = ClusterTlsTrust.Load(options, server: true);

        Assert.True(trust.IsTrusted(Public(peer), null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(trust.IsTrusted(Public(forged), null, SslPolicyErrors.RemoteCertificateChainErrors));
        // The authority's own certificate is not a cluster member's.
        Assert.False(trust.IsTrusted(Public(authority), null, SslPolicyErrors.None));
        Assert.False(trust.IsTrusted(Public(impostor), null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_PEM_certificate_and_key_load_as_the_cluster_certificate()
    {
        using var cluster = SelfSigned("CN=medpay-cluster");
        var certificatePath = Path.Combine(_folder, "cluster.crt");
        var keyPath = Path.Combine(_folder, "cluster.key");
        File.WriteAllText(certificatePath, cluster.ExportCertificatePem());
        File.WriteAllText(keyPath, cluster.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        var trust = ClusterTlsTrust.Load(new ClusterTlsOptions { Enabled = true, CertificatePath = certificatePath, CertificateKeyPath = keyPath }, server: true);

        Assert.True(trust.Certificate.HasPrivateKey);
        Assert.Equal(ClusterTlsTrust.Thumbprint(cluster), ClusterTlsTrust.Thumbprint(trust.Certificate));
        Assert.True(trust.IsTrusted(Public(cluster), null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Settings_that_cannot_work_stop_the_start_with_every_reason()
    {
        var failed = Assert.Throws<OptionsValidationException>(() => ClusterTlsTrust.Load(
            new ClusterTlsOptions { Enabled = true, CaCertificatePath = Path.Combine(_folder, "missing.pem"), TrustedThumbprints = ["AB:CD"], HandshakeTimeout = TimeSpan.Zero },
            server: true));

        Assert.Contains(failed.Failures, f => f.Contains("CertificatePath is required", StringComparison.Ordinal));
        Assert.Contains(failed.Failures, f => f.Contains("CaCertificatePath", StringComparison.Ordinal));
        Assert.Contains(failed.Failures, f => f.Contains("'AB:CD' is not a SHA-256 thumbprint", StringComparison.Ordinal));
        Assert.Contains(failed.Failures, f => f.Contains("HandshakeTimeout", StringComparison.Ordinal));
        Assert.True(new ClusterTlsOptionsValidator().Validate(null, new ClusterTlsOptions()).Succeeded);
    }

    [Fact]
    public void A_wrong_password_an_expired_certificate_or_one_not_for_client_authentication_stops_the_start()
    {
        using var cluster = SelfSigned("CN=medpay-cluster");
        var wrongPassword = Assert.Throws<InvalidOperationException>(() => ClusterTlsTrust.Load(Options(Pfx(cluster, "right-password"), "wrong-password"), server: true));
        Assert.DoesNotContain("wrong-password", wrongPassword.Message, StringComparison.Ordinal);

        using var expired = SelfSigned("CN=medpay-cluster", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Contains("expired", Assert.Throws<InvalidOperationException>(() => ClusterTlsTrust.Load(Options(Pfx(expired, "pw")), server: true)).Message, StringComparison.Ordinal);

        using var serverOnly = SelfSigned("CN=medpay-cluster", usages: [ServerAuth]);
        Assert.Contains("client authentication", Assert.Throws<InvalidOperationException>(() => ClusterTlsTrust.Load(Options(Pfx(serverOnly, "pw")), server: true)).Message, StringComparison.Ordinal);

        // The API's client only connects out: client authentication is enough for it, not for a silo.
        using var clientOnly = SelfSigned("CN=medpay-api", usages: [ClientAuth]);
        Assert.NotNull(ClusterTlsTrust.Load(Options(Pfx(clientOnly, "pw")), server: false));
        Assert.Contains("server authentication", Assert.Throws<InvalidOperationException>(() => ClusterTlsTrust.Load(Options(Pfx(clientOnly, "pw")), server: true)).Message, StringComparison.Ordinal);
    }

    private static ClusterTlsOptions Options((string Path, string Password) pfx, string? password = null) =>
        new() { Enabled = true, CertificatePath = pfx.Path, CertificatePassword = password ?? pfx.Password };

    private (string Path, string Password) Pfx(X509Certificate2 certificate, string password)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return (path, password);
    }

    /// <summary>What a peer shows in the handshake: the certificate without its key.</summary>
    private static X509Certificate2 Public(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, Oid[]? usages = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Leaf(subject, key, usages);
        return request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5), notAfter ?? DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Authority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issued(X509Certificate2 authority, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Leaf(subject, key, null);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    private static CertificateRequest Leaf(string subject, ECDsa key, Oid[]? usages)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var eku = new OidCollection();
        foreach (var usage in usages ?? [ServerAuth, ClientAuth])
        {
            eku.Add(usage);
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(eku, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }
}
