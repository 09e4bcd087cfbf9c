using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MedPay.Contracts;

namespace MedPay.ClusterTests;

/// <summary>A throw-away self-signed certificate made by this test process: a PKCS#12 file in a private temporary folder, and its password.</summary>
public sealed record TestCertificate(string PfxPath, string Password, X509Certificate2 Certificate)
{
    public string Thumbprint => ClusterTlsTrust.Thumbprint(Certificate);

    /// <summary><c>MedPay:Cluster:Tls</c> settings that present this certificate and also accept <paramref name="trustedThumbprints"/>.</summary>
    public Dictionary<string, string?> Settings(params string[] trustedThumbprints)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{ClusterTlsOptions.Section}:Enabled"] = "true",
            [$"{ClusterTlsOptions.Section}:CertificatePath"] = PfxPath,
            [$"{ClusterTlsOptions.Section}:CertificatePassword"] = Password,
        };
        for (var i = 0; i < trustedThumbprints.Length; i++)
        {
            settings[$"{ClusterTlsOptions.Section}:TrustedThumbprints:{i}"] = trustedThumbprints[i];
        }

        return settings;
    }
}

/// <summary>Certificates for TLS test clusters, made at run time: no key is ever stored in the repository.</summary>
public static class TestCertificates
{
    private static readonly Lazy<string> Folder = new(CreateFolder);
    private static readonly Lazy<TestCertificate> ClusterCertificate = new(() => SelfSigned("medpay-test-cluster"));

    /// <summary>The certificate of every TLS test cluster in this run: its silos and its clients present it.</summary>
    public static TestCertificate Cluster => ClusterCertificate.Value;

    /// <summary>A new self-signed ECDSA P-256 certificate for TLS server and client authentication, valid for a day.</summary>
    public static TestCertificate SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var path = Path.Combine(Folder.Value, $"{name}-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return new TestCertificate(path, password, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }

    private static string CreateFolder()
    {
        // Readable by this user only (0700), and removed when the test process ends.
        var folder = Directory.CreateTempSubdirectory("medpay-tls-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return folder;
    }
}
