using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Testing;

/// <summary>
/// The PEM files of one certificate a <see cref="TestCertificateAuthority"/> issued, as a TLS secret mounts them.
/// </summary>
/// <param name="CertificatePath">The certificate (<c>tls.crt</c>).</param>
/// <param name="KeyPath">Its unencrypted PKCS#8 private key (<c>tls.key</c>).</param>
/// <param name="CaPath">The issuing authority's certificate (<c>ca.crt</c>).</param>
public sealed record TestCertificateFiles(string CertificatePath, string KeyPath, string CaPath)
{
    /// <summary>
    /// The silo's environment variables for these files (<c>Autograd__Tls__CertificatePath</c>, <c>__KeyPath</c>,
    /// <c>__CaPath</c>), the keys <see cref="TlsSettings"/> reads.
    /// </summary>
    public IReadOnlyDictionary<string, string> SiloEnvironment() => new Dictionary<string, string>
    {
        [Variable(TlsSettings.CertificatePathKey)] = CertificatePath,
        [Variable(TlsSettings.KeyPathKey)] = KeyPath,
        [Variable(TlsSettings.CaPathKey)] = CaPath,
    };

    private static string Variable(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
