using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Connection;

public sealed class ClusterTlsTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("client-tests-ca");
    private readonly TestCertificateAuthority _stranger = TestCertificateAuthority.Create("client-tests-stranger");

    [Fact]
    public void FromPemFiles_ClientCertificate_LoadsItWithItsKeyAndTheAuthority()
    {
        var files = _authority.Issue("client", server: false);

        var tls = ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);

        Assert.Equal("CN=client", tls.Certificate.Subject);
        Assert.True(tls.Certificate.HasPrivateKey);
        Assert.Equal(_authority.Certificate.Thumbprint, Assert.Single(tls.Authority).Thumbprint);
    }

    [Fact]
    public void IsTrusted_CertificateOfTheAuthority_TrueAndOfAnotherAuthority_False()
    {
        var files = _authority.Issue("client", server: false);
        var tls = ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);
        var silo = _authority.Issue("silo");
        var stranger = _stranger.Issue("silo");

        Assert.True(tls.IsTrusted(Load(silo)));
        Assert.False(tls.IsTrusted(Load(stranger)));
        // A self-signed certificate with the authority's own name is not the authority.
        using var impostor = TestCertificateAuthority.Create("client-tests-ca");
        Assert.False(tls.IsTrusted(impostor.Certificate));
    }

    [Fact]
    public void FromPemFiles_MissingKeyFile_NamesTheKeyPath()
    {
        var files = _authority.Issue("client", server: false);

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath + ".missing", files.CaPath));

        Assert.Equal("keyPath", error.ParamName);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPemFiles_KeyOfAnotherCertificate_IsRefused()
    {
        var files = _authority.Issue("client", server: false);
        var other = _authority.Issue("other", server: false);

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromPemFiles(files.CertificatePath, other.KeyPath, files.CaPath));

        Assert.Equal("certificatePath", error.ParamName);
        Assert.Contains("matching private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPemFiles_ServerOnlyCertificate_IsRefusedForClientAuthentication()
    {
        var files = _authority.Issue("server-only", server: true, client: false);

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath));

        Assert.Contains("clientAuth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPemFiles_CaFileWithoutCertificate_NamesTheCaPath()
    {
        var files = _authority.Issue("client", server: false);
        string empty = Path.Combine(_authority.Folder, "empty.crt");
        File.WriteAllText(empty, "not a certificate\n");

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, empty));

        Assert.Equal("caPath", error.ParamName);
    }

    [Fact]
    public void FromConfiguration_NoKeys_IsNull()
    {
        Assert.Null(ClusterTls.FromConfiguration(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void FromConfiguration_AllThreeKeys_LoadsTheFiles()
    {
        var files = _authority.Issue("client", server: false);

        var tls = ClusterTls.FromConfiguration(Configuration((ClusterTls.CertificatePathKey, files.CertificatePath), (ClusterTls.KeyPathKey, files.KeyPath), (ClusterTls.CaPathKey, files.CaPath)));

        Assert.Equal("CN=client", tls?.Certificate.Subject);
    }

    [Fact]
    public void FromConfiguration_CertificateWithoutAuthority_NamesTheMissingKey()
    {
        var files = _authority.Issue("client", server: false);

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromConfiguration(Configuration((ClusterTls.CertificatePathKey, files.CertificatePath), (ClusterTls.KeyPathKey, files.KeyPath))));

        Assert.StartsWith($"configuration {ClusterTls.CaPathKey}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_MissingFile_NamesItsKey()
    {
        var files = _authority.Issue("client", server: false);

        var error = Assert.Throws<ArgumentException>(() => ClusterTls.FromConfiguration(Configuration(
            (ClusterTls.CertificatePathKey, files.CertificatePath), (ClusterTls.KeyPathKey, files.KeyPath), (ClusterTls.CaPathKey, "/nonexistent/ca.crt"))));

        Assert.StartsWith($"configuration {ClusterTls.CaPathKey}: '/nonexistent/ca.crt' does not exist", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 Load(TestCertificateFiles files) =>
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(files.CertificatePath);

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
