using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Autograd.Cluster.Testing;

/// <summary>
/// A certificate authority made in the test (ECDSA P-256, <see cref="CertificateRequest"/>), whose files sit in a temp
/// folder as PEM, named as a Kubernetes TLS secret mounts them: <c>ca.crt</c>, and <c>tls.crt</c>/<c>tls.key</c> per
/// issued certificate. The folder is deleted on dispose.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private readonly ECDsa _key;

    private TestCertificateAuthority(string name, string folder, ECDsa key, X509Certificate2 certificate)
    {
        Name = name;
        Folder = folder;
        _key = key;
        Certificate = certificate;
        CaPath = Path.Combine(folder, "ca.crt");
        File.WriteAllText(CaPath, certificate.ExportCertificatePem());
    }

    /// <summary>The authority's common name.</summary>
    public string Name { get; }

    /// <summary>The temp folder holding every file.</summary>
    public string Folder { get; }

    /// <summary>The authority's self-signed certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The authority's certificate as PEM (<c>ca.crt</c>).</summary>
    public string CaPath { get; }

    /// <summary>A new authority, valid from an hour ago for a day, with its files in a new temp folder.</summary>
    public static TestCertificateAuthority Create(string name)
    {
        string folder = Directory.CreateTempSubdirectory($"autograd-ca-{name}-").FullName;
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new TestCertificateAuthority(name, folder, key, certificate);
    }

    /// <summary>
    /// Issues a certificate for <c>CN=<paramref name="name"/></c> (subject alternative names 127.0.0.1 and localhost),
    /// writes it and its key into a subfolder <paramref name="name"/> as <c>tls.crt</c>/<c>tls.key</c> with a copy of
    /// <c>ca.crt</c>, and returns their paths.
    /// </summary>
    /// <param name="name">The common name and the subfolder.</param>
    /// <param name="server">Allow server authentication (a silo needs it, a client does not).</param>
    /// <param name="client">Allow client authentication (silos and clients need it).</param>
    /// <param name="notAfter">When the certificate expires; default: in a day.</param>
    public TestCertificateFiles Issue(string name, bool server = true, bool client = true, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection();
        if (server) usages.Add(new Oid(ServerAuthentication));
        if (client) usages.Add(new Oid(ClientAuthentication));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var end = notAfter ?? now.AddDays(1);
        using var certificate = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddHours(-1), end, RandomNumberGenerator.GetBytes(16));

        string folder = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        var files = new TestCertificateFiles(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"), Path.Combine(folder, "ca.crt"));
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.Copy(CaPath, files.CaPath, overwrite: true);
        return files;
    }

    /// <summary>Deletes the folder.</summary>
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A process that still reads a file keeps it; the temp folder is cleaned by the OS eventually.
        }
    }
}
