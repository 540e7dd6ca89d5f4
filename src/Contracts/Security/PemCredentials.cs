using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Autograd.Cluster.Contracts.Security;

/// <summary>
/// Which PEM file of <see cref="PemCredentials"/> a failure is about: a key that does not match, or cannot be read, is
/// reported on the certificate it was loaded with.
/// </summary>
public enum PemFile
{
    /// <summary>The certificate (the leaf first), with its private key.</summary>
    Certificate,

    /// <summary>The certificate authority's certificates.</summary>
    Authority,
}

/// <summary>
/// The cluster's mutual-TLS material as a Kubernetes TLS secret mounts it (<c>tls.crt</c>, <c>tls.key</c>,
/// <c>ca.crt</c>), loaded alike by silos and clients, and the one chain check both apply to a peer. Each side keeps its
/// own policy on top (which key usages its certificate needs) and its own way to name a file in errors.
/// </summary>
public static class PemCredentials
{
    /// <summary>The extended key usage a TLS server's certificate needs (serverAuth).</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>The extended key usage a TLS client's certificate needs (clientAuth).</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// Loads the certificate with its private key, and the authority; every failure is made by
    /// <paramref name="failure"/> from the file it concerns, the problem (which names the path) and the cause.
    /// </summary>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Authority) Load(
        string certificatePath, string keyPath, string caPath, Func<PemFile, string, Exception?, Exception> failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var authority = new X509Certificate2Collection();
        try
        {
            authority.ImportFromPemFile(caPath);
        }
        catch (CryptographicException e)
        {
            throw failure(PemFile.Authority, $"'{caPath}' is not PEM certificates: {e.Message}", e);
        }

        if (authority.Count == 0) throw failure(PemFile.Authority, $"'{caPath}' holds no certificate", null);
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // A PEM key is ephemeral; SslStream on Windows needs it in a key store, which a PKCS#12 round trip gives.
            // A key that does not match the certificate is an ArgumentException; unreadable PEM a CryptographicException.
            return (X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null), authority);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw failure(PemFile.Certificate, $"'{certificatePath}' with the key '{keyPath}' is not a PEM certificate and its matching private key: {e.Message}", e);
        }
    }

    /// <summary>The certificate's extended key usages (OIDs); null when it has no such extension (any usage).</summary>
    public static IReadOnlySet<string>? ExtendedKeyUsages(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } extension
            ? extension.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value ?? "").ToHashSet(StringComparer.Ordinal)
            : null;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to <paramref name="authority"/> (with the intermediates the peer
    /// presented in <paramref name="presented"/>) and is valid now. Host names are not checked: silos and gateways are
    /// reached by IP or through port-forwards; a certificate from the cluster's authority is what identifies a peer.
    /// </summary>
    public static bool ChainsTo(X509Certificate2Collection authority, X509Certificate2 certificate, X509Chain? presented = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(certificate)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        return chain.Build(certificate);
    }
}
