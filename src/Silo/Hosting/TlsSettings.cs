using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// Mutual TLS for every connection a silo makes or accepts (silo to silo, client to gateway): the silo's certificate
/// and private key, and the certificate authority whose certificates peers must present. Read from three PEM files,
/// as a Kubernetes <c>kubernetes.io/tls</c> secret (or cert-manager's) mounts them: <c>tls.crt</c>, <c>tls.key</c>,
/// <c>ca.crt</c>. TLS is on when <see cref="CertificatePathKey"/> is set; then all three keys are required.
/// Registered as a singleton in every silo (<see cref="Disabled"/> when off), so that any other transport between
/// silos can use the same certificates (<see cref="CreateServerOptions"/>, <see cref="CreateClientOptions"/>).
/// </summary>
public sealed class TlsSettings
{
    /// <summary>Key of the silo's certificate (env <c>Autograd__Tls__CertificatePath</c>): a PEM file, the leaf first (<c>tls.crt</c>).</summary>
    public const string CertificatePathKey = "Autograd:Tls:CertificatePath";

    /// <summary>Key of the certificate's private key (env <c>Autograd__Tls__KeyPath</c>): an unencrypted PEM file (<c>tls.key</c>).</summary>
    public const string KeyPathKey = "Autograd:Tls:KeyPath";

    /// <summary>Key of the certificate authority (env <c>Autograd__Tls__CaPath</c>): PEM, one or more CA certificates (<c>ca.crt</c>).</summary>
    public const string CaPathKey = "Autograd:Tls:CaPath";

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private TlsSettings(X509Certificate2? certificate, X509Certificate2Collection authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>No TLS: plain TCP between silos and clients (a developer's machine, the in-process test cluster).</summary>
    public static TlsSettings Disabled { get; } = new(null, []);

    /// <summary>Whether silo and client connections use mutual TLS.</summary>
    public bool Enabled => Certificate is not null;

    /// <summary>This silo's certificate, with its private key; null when <see cref="Enabled"/> is false.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The certificate authorities a peer's certificate must chain to; empty when <see cref="Enabled"/> is false.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>
    /// Reads the three keys: none set is <see cref="Disabled"/>; otherwise loads and checks the files (they exist, the
    /// key matches the certificate, the certificate is valid now, may serve both ends of a connection, and was issued
    /// by the authority).
    /// </summary>
    /// <exception cref="InvalidOperationException">A key is missing or its file is unusable; the message names the key.</exception>
    public static TlsSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? certificate = Value(configuration, CertificatePathKey), key = Value(configuration, KeyPathKey), ca = Value(configuration, CaPathKey);
        if (certificate is null && key is null && ca is null) return Disabled;
        return FromPemFiles(
            certificate ?? throw Invalid(CertificatePathKey, $"is required with {KeyPathKey} or {CaPathKey} (TLS needs all three)"),
            key ?? throw Invalid(KeyPathKey, $"is required with {CertificatePathKey} (the certificate's private key)"),
            ca ?? throw Invalid(CaPathKey, $"is required with {CertificatePathKey}: without it any certificate would be accepted"));
    }

    /// <summary>Loads and checks the silo's certificate, its key and the authority from PEM files (see <see cref="Read"/>).</summary>
    /// <exception cref="InvalidOperationException">A file is unusable; the message names its configuration key.</exception>
    public static TlsSettings FromPemFiles(string certificatePath, string keyPath, string caPath)
    {
        Exists(certificatePath, CertificatePathKey);
        Exists(keyPath, KeyPathKey);
        Exists(caPath, CaPathKey);
        var authority = new X509Certificate2Collection();
        try
        {
            authority.ImportFromPemFile(caPath);
        }
        catch (CryptographicException e)
        {
            throw Invalid(CaPathKey, $"'{caPath}' is not PEM certificates: {e.Message}");
        }

        if (authority.Count == 0) throw Invalid(CaPathKey, $"'{caPath}' holds no certificate");

        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // A PEM key is ephemeral; SslStream on Windows needs it in a key store, which a PKCS#12 round trip gives.
            // A key that does not match the certificate is an ArgumentException; unreadable PEM a CryptographicException.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Invalid(CertificatePathKey, $"'{certificatePath}' with the key '{keyPath}' ({KeyPathKey}) is not a PEM certificate and its matching private key: {e.Message}");
        }

        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
            throw Invalid(CertificatePathKey, $"'{certificatePath}' ({certificate.Subject}) is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}");
        if (Usages(certificate) is { } usages && !(usages.Contains(ServerAuthentication) && usages.Contains(ClientAuthentication)))
            throw Invalid(CertificatePathKey, $"'{certificatePath}' ({certificate.Subject}) must allow both server and client authentication (extended key usages serverAuth and clientAuth): a silo accepts connections and opens them");
        var settings = new TlsSettings(certificate, authority);
        if (!settings.IsTrusted(certificate))
            throw Invalid(CertificatePathKey, $"'{certificatePath}' ({certificate.Subject}, issuer {certificate.Issuer}) was not issued by the authority in '{caPath}' ({CaPathKey}): other silos would refuse it");
        return settings;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to <see cref="Authority"/> (the peer's own intermediates from
    /// <paramref name="presented"/> may help) and is valid now. Host names are not checked: silos are reached at pod IPs
    /// that change; holding a certificate from the cluster's authority is what admits a peer.
    /// </summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Chain? presented = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!Enabled) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(certificate)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        return chain.Build(certificate);
    }

    /// <summary>Server-side options for an <see cref="SslStream"/> between silos: this certificate, a client certificate required and checked by <see cref="IsTrusted"/>.</summary>
    /// <exception cref="InvalidOperationException">TLS is off.</exception>
    public SslServerAuthenticationOptions CreateServerOptions() => new()
    {
        ServerCertificate = RequireCertificate(),
        ClientCertificateRequired = true,
        RemoteCertificateValidationCallback = Validate,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>Client-side options for an <see cref="SslStream"/> to another silo: this certificate, the server's checked by <see cref="IsTrusted"/>.</summary>
    /// <exception cref="InvalidOperationException">TLS is off.</exception>
    public SslClientAuthenticationOptions CreateClientOptions() => new()
    {
        ClientCertificates = [RequireCertificate()],
        RemoteCertificateValidationCallback = Validate,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        // Not a name check (see IsTrusted); SslStream wants a target host to send in SNI.
        TargetHost = "autograd-silo",
    };

    /// <summary>The callback Orleans' TLS and <see cref="SslStream"/> call with a peer's certificate.</summary>
    public bool Validate(object? sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && IsTrusted(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain);

    private X509Certificate2 RequireCertificate() => Certificate ?? throw new InvalidOperationException($"TLS is off ({CertificatePathKey} is not set)");

    private static HashSet<string>? Usages(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } extension
            ? extension.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value ?? "").ToHashSet(StringComparer.Ordinal)
            : null;

    private static void Exists(string path, string key)
    {
        if (!File.Exists(path)) throw Invalid(key, $"'{path}' does not exist (is the TLS secret mounted?)");
    }

    private static string? Value(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();

    private static InvalidOperationException Invalid(string key, string problem) => new($"configuration {key}: {problem}");
}
