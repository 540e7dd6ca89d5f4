using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Autograd.Cluster.Contracts.Security;
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
        var (certificate, authority) = PemCredentials.Load(certificatePath, keyPath, caPath, (file, problem, _) => file == PemFile.Authority
            ? Invalid(CaPathKey, problem)
            : Invalid(CertificatePathKey, $"{problem} ({KeyPathKey} names the key)"));
        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
            throw Invalid(CertificatePathKey, $"'{certificatePath}' ({certificate.Subject}) is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}");
        if (PemCredentials.ExtendedKeyUsages(certificate) is { } usages
            && !(usages.Contains(PemCredentials.ServerAuthentication) && usages.Contains(PemCredentials.ClientAuthentication)))
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
        return Enabled && PemCredentials.ChainsTo(Authority, certificate, presented);
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

    private static void Exists(string path, string key)
    {
        if (!File.Exists(path)) throw Invalid(key, $"'{path}' does not exist (is the TLS secret mounted?)");
    }

    private static string? Value(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();

    private static InvalidOperationException Invalid(string key, string problem) => new($"configuration {key}: {problem}");
}
