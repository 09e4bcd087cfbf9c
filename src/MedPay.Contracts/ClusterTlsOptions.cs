using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace MedPay.Contracts;

/// <summary>
/// Mutual TLS inside the cluster (<c>MedPay:Cluster:Tls</c>): silo to silo, and the API's Orleans client to the silos'
/// gateways. Each end presents the cluster certificate and accepts only a peer that presents one it trusts (see
/// <see cref="ClusterTlsTrust"/>). The silo applies it in <c>MedPay.Silo/ClusterTls.cs</c>, the API's client in
/// <c>MedPay.Api/ClusterTlsClient.cs</c>; both read the same section.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "MedPay:Cluster:Tls";

    /// <summary>Off by default (one development silo on loopback); on in every real deployment.</summary>
    public bool Enabled { get; set; }

    /// <summary>The cluster certificate: a PKCS#12 (.pfx) file with its private key, or a PEM certificate when <see cref="CertificateKeyPath"/> is set.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of the PKCS#12 file, or of an encrypted PEM private key. Give it through the environment or a secret store, never in a file in the repository.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>
    /// Optional: a PEM (one or more certificates) or DER file of the certificate authority that issues the cluster's
    /// certificates. A peer whose certificate this authority issued directly is accepted as well. Use an authority
    /// that issues certificates for this cluster only.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Optional: SHA-256 thumbprints (hex) of further peer certificates to accept, e.g. the next certificate while rotating.</summary>
    public List<string> TrustedThumbprints { get; set; } = [];

    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks <see cref="ClusterTlsOptions"/> before the silo or the client starts.</summary>
public sealed class ClusterTlsOptionsValidator : IValidateOptions<ClusterTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterTlsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            failures.Add($"{ClusterTlsOptions.Section}:CertificatePath is required when TLS is enabled.");
        }
        else if (!File.Exists(options.CertificatePath))
        {
            failures.Add($"{ClusterTlsOptions.Section}:CertificatePath: no file at {options.CertificatePath}.");
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
        {
            failures.Add($"{ClusterTlsOptions.Section}:CertificateKeyPath: no file at {options.CertificateKeyPath}.");
        }

        if (!string.IsNullOrWhiteSpace(options.CaCertificatePath) && !File.Exists(options.CaCertificatePath))
        {
            failures.Add($"{ClusterTlsOptions.Section}:CaCertificatePath: no file at {options.CaCertificatePath}.");
        }

        foreach (var thumbprint in options.TrustedThumbprints)
        {
            if (ClusterTlsTrust.NormalizeThumbprint(thumbprint) is not { Length: 64 } normalized || !normalized.All(char.IsAsciiHexDigit))
            {
                failures.Add($"{ClusterTlsOptions.Section}:TrustedThumbprints: '{thumbprint}' is not a SHA-256 thumbprint (64 hex digits).");
            }
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero || options.HandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{ClusterTlsOptions.Section}:HandshakeTimeout must be between 0 and 5 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The cluster certificate with its private key, and the rule for a peer's: accepted only when it is the cluster
/// certificate itself, one of <see cref="ClusterTlsOptions.TrustedThumbprints"/>, or one issued by
/// <see cref="ClusterTlsOptions.CaCertificatePath"/>, and valid now. The machine's trusted roots play no part, and a
/// missing certificate is refused. The host name is not checked: silos are reached by IP address.
/// </summary>
public sealed class ClusterTlsTrust
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly HashSet<string> _pinned;
    private readonly X509Certificate2Collection _authorities;

    private ClusterTlsTrust(X509Certificate2 certificate, HashSet<string> pinned, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        _pinned = pinned;
        _authorities = authorities;
    }

    /// <summary>This end's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Validates <paramref name="options"/> (throwing <see cref="OptionsValidationException"/> with every failure) and
    /// loads the certificates. <paramref name="server"/>: a silo, which also accepts connections, so its certificate
    /// must allow server authentication as well as client authentication.
    /// </summary>
    public static ClusterTlsTrust Load(ClusterTlsOptions options, bool server)
    {
        var result = new ClusterTlsOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(ClusterTlsOptions.Section, typeof(ClusterTlsOptions), result.Failures);
        }

        if (!options.Enabled)
        {
            throw new InvalidOperationException($"{ClusterTlsOptions.Section}:Enabled is false.");
        }

        var certificate = LoadCertificate(options);
        var now = DateTime.UtcNow;
        var problem =
            !certificate.HasPrivateKey ? "has no private key" :
            now < certificate.NotBefore.ToUniversalTime() ? $"is not valid before {certificate.NotBefore.ToUniversalTime():u}" :
            now > certificate.NotAfter.ToUniversalTime() ? $"expired at {certificate.NotAfter.ToUniversalTime():u}" :
            !AllowsUsage(certificate, ClientAuthentication) ? "does not allow client authentication (extended key usage)" :
            server && !AllowsUsage(certificate, ServerAuthentication) ? "does not allow server authentication (extended key usage)" :
            null;
        if (problem is not null)
        {
            throw new InvalidOperationException($"The cluster certificate {options.CertificatePath} ({certificate.Subject}) {problem}.");
        }

        var pinned = new HashSet<string>(StringComparer.Ordinal) { Thumbprint(certificate) };
        pinned.UnionWith(options.TrustedThumbprints.Select(NormalizeThumbprint));
        var authorities = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(options.CaCertificatePath))
        {
            if (File.ReadAllText(options.CaCertificatePath).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                authorities.ImportFromPemFile(options.CaCertificatePath);
            }
            else
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(options.CaCertificatePath));
            }

            if (authorities.Count == 0)
            {
                throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CaCertificatePath {options.CaCertificatePath} holds no certificate.");
            }
        }

        return new ClusterTlsTrust(certificate, pinned, authorities);
    }

    /// <summary>Whether a peer that presented <paramref name="peer"/> belongs to the cluster. Fits Orleans' <c>TlsOptions.RemoteCertificateValidation</c>.</summary>
    /// <remarks>
    /// <paramref name="errors"/> is not consulted: a self-signed or privately issued certificate never chains to the
    /// machine's roots, and silos are addressed by IP rather than by name. The decision rests on the pin or the
    /// configured authority alone.
    /// </remarks>
    public bool IsTrusted(X509Certificate2? peer, X509Chain? presented, SslPolicyErrors errors)
    {
        if (peer is null)
        {
            return false;
        }

        var now = DateTime.UtcNow;
        if (now < peer.NotBefore.ToUniversalTime() || now > peer.NotAfter.ToUniversalTime())
        {
            return false;
        }

        if (_pinned.Contains(Thumbprint(peer)))
        {
            return true;
        }

        if (_authorities.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(peer))
        {
            return false;
        }

        // Issued directly by a configured authority: the leaf and the authority, nothing in between.
        return chain.ChainElements.Count == 2
            && _authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(chain.ChainElements[1].Certificate.RawDataMemory.Span));
    }

    /// <summary>A certificate's SHA-256 thumbprint as <see cref="ClusterTlsOptions.TrustedThumbprints"/> lists it: 64 upper-case hex digits.</summary>
    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    internal static string NormalizeThumbprint(string thumbprint) =>
        new string(thumbprint.Where(c => !char.IsWhiteSpace(c) && c != ':').ToArray()).ToUpperInvariant();

    private static X509Certificate2 LoadCertificate(ClusterTlsOptions options)
    {
        var path = options.CertificatePath!;
        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        try
        {
            if (string.IsNullOrWhiteSpace(options.CertificateKeyPath))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, password);
            }

            using var pem = password is null
                ? X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, options.CertificateKeyPath);
            // A PEM key is ephemeral, which TLS on Windows cannot use: carry it over through PKCS#12 (harmless elsewhere).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            // The message says what failed (a wrong password, a damaged file), never the password.
            throw new InvalidOperationException($"The cluster certificate {path} could not be loaded: {e.Message}", e);
        }
    }

    /// <summary>No extended key usage extension means any usage; otherwise it must list <paramref name="oid"/>.</summary>
    private static bool AllowsUsage(X509Certificate2 certificate, string oid)
    {
        var extensions = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return extensions.Count == 0 || extensions.Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(u => u.Value == oid));
    }
}
