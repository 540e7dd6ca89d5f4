using System.Security.Cryptography.X509Certificates;
using Autograd.Cluster.Contracts.Security;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Client.Connection;

/// <summary>
/// The client's side of the cluster's mutual TLS: the certificate it presents to a gateway (with its private key) and
/// the certificate authority a gateway's certificate must chain to. Silos with <c>Autograd:Tls:*</c> set accept only
/// clients that present a certificate from their authority.
/// </summary>
public sealed record ClusterTls
{
    /// <summary>The configuration key of the certificate's PEM file, as the silos name theirs (env <c>Autograd__Tls__CertificatePath</c>).</summary>
    public const string CertificatePathKey = "Autograd:Tls:CertificatePath";

    /// <summary>The configuration key of the private key's PEM file (env <c>Autograd__Tls__KeyPath</c>).</summary>
    public const string KeyPathKey = "Autograd:Tls:KeyPath";

    /// <summary>The configuration key of the authority's PEM file (env <c>Autograd__Tls__CaPath</c>).</summary>
    public const string CaPathKey = "Autograd:Tls:CaPath";

    /// <summary>A client certificate and the authority that issued the silos' certificates.</summary>
    /// <exception cref="ArgumentException">The certificate has no private key, or the authority is empty.</exception>
    public ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        if (!certificate.HasPrivateKey) throw new ArgumentException($"the client certificate {certificate.Subject} has no private key", nameof(certificate));
        if (authority.Count == 0) throw new ArgumentException("name at least one certificate authority", nameof(authority));
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>The certificate the client presents, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The authorities a gateway's certificate must chain to.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>
    /// Loads the certificate (<paramref name="certificatePath"/>, PEM, the leaf first), its unencrypted PEM private key
    /// and the authority's PEM certificates (<paramref name="caPath"/>), as a Kubernetes TLS secret mounts them
    /// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing or unusable; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public static ClusterTls FromPemFiles(string certificatePath, string keyPath, string caPath) =>
        Load(certificatePath, keyPath, caPath, [nameof(certificatePath), nameof(keyPath), nameof(caPath)], prefix: "");

    /// <summary>
    /// Reads <see cref="CertificatePathKey"/>, <see cref="KeyPathKey"/> and <see cref="CaPathKey"/>: null when none is
    /// set, the loaded files (<see cref="FromPemFiles"/>) when all three are.
    /// </summary>
    /// <exception cref="ArgumentException">Some but not all keys are set, or a file is unusable; the message names the key.</exception>
    public static ClusterTls? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string?[] values = [Value(configuration, CertificatePathKey), Value(configuration, KeyPathKey), Value(configuration, CaPathKey)];
        string[] keys = [CertificatePathKey, KeyPathKey, CaPathKey];
        if (values.All(v => v is null)) return null;
        if (Array.IndexOf(values, null) is var missing and >= 0)
            throw new ArgumentException($"configuration {keys[missing]}: is required with {string.Join(" and ", keys.Where((_, i) => values[i] is not null))} (TLS needs a certificate, its key and the authority)");
        return Load(values[0]!, values[1]!, values[2]!, keys, prefix: "configuration ");
    }

    // names: what each path is called in messages and ArgumentException.ParamName (a parameter or a configuration key).
    private static ClusterTls Load(string certificatePath, string keyPath, string caPath, string[] names, string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(caPath);
        ArgumentException Bad(int which, string problem, Exception? inner = null) => new($"{prefix}{names[which]}: {problem}", names[which], inner);
        foreach (var (path, which) in new[] { (certificatePath, 0), (keyPath, 1), (caPath, 2) })
            if (!File.Exists(path)) throw Bad(which, $"'{path}' does not exist");
        var (certificate, authority) = PemCredentials.Load(certificatePath, keyPath, caPath, (file, problem, inner) => Bad(file == PemFile.Authority ? 2 : 0, problem, inner));
        if (PemCredentials.ExtendedKeyUsages(certificate) is { } usages && !usages.Contains(PemCredentials.ClientAuthentication))
            throw Bad(0, $"'{certificatePath}' ({certificate.Subject}) does not allow client authentication (extended key usage clientAuth)");
        return new ClusterTls(certificate, authority);
    }

    /// <summary>
    /// Whether a gateway's <paramref name="certificate"/> chains to <see cref="Authority"/> (with the intermediates it
    /// presented in <paramref name="presented"/>) and is valid now. Host names are not checked: gateways are reached
    /// by IP or through port-forwards; a certificate from the cluster's authority is what identifies a silo.
    /// </summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Chain? presented = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return PemCredentials.ChainsTo(Authority, certificate, presented);
    }

    /// <summary>For messages: the certificate's subject and the authorities'.</summary>
    public override string ToString() => $"TLS as {Certificate.Subject}, trusting {string.Join("; ", Authority.Select(a => a.Subject))}";

    private static string? Value(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
}
