using Autograd.Cluster.Contracts.Security;
using Autograd.Cluster.Testing;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Contracts;

/// <summary>The PEM loading and chain check that silos (<c>TlsSettings</c>) and clients (<c>ClusterTls</c>) share.</summary>
public sealed class PemCredentialsTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("pem-tests-ca");
    private readonly TestCertificateAuthority _stranger = TestCertificateAuthority.Create("pem-tests-stranger");

    [Fact]
    public void Load_IssuedFiles_GivesTheCertificateWithItsKeyAndTheAuthority()
    {
        var files = _authority.Issue("peer", server: false);

        var (certificate, authority) = PemCredentials.Load(files.CertificatePath, files.KeyPath, files.CaPath, Fail);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=peer", certificate.Subject);
        Assert.Equal(_authority.Certificate.Thumbprint, Assert.Single(authority).Thumbprint);
        Assert.Equal([PemCredentials.ClientAuthentication], PemCredentials.ExtendedKeyUsages(certificate)!.Order());
        Assert.True(PemCredentials.ChainsTo(authority, certificate));
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_FailsOnTheCertificateNamingBothPaths()
    {
        var files = _authority.Issue("peer");
        var other = _authority.Issue("other");

        var error = Assert.Throws<InvalidOperationException>(() => PemCredentials.Load(files.CertificatePath, other.KeyPath, files.CaPath, Fail));

        Assert.StartsWith($"{PemFile.Certificate}: '{files.CertificatePath}' with the key '{other.KeyPath}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("matching private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AuthorityFileWithoutCertificates_FailsOnTheAuthority()
    {
        var files = _authority.Issue("peer");
        string empty = Path.Combine(_authority.Folder, "empty.crt");
        File.WriteAllText(empty, "no PEM here\n");

        var error = Assert.Throws<InvalidOperationException>(() => PemCredentials.Load(files.CertificatePath, files.KeyPath, empty, Fail));

        Assert.StartsWith($"{PemFile.Authority}: '{empty}' holds no certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChainsTo_AnotherAuthoritysCertificate_IsFalse()
    {
        var ours = _authority.Issue("peer");
        var theirs = _stranger.Issue("impostor");
        var (_, authority) = PemCredentials.Load(ours.CertificatePath, ours.KeyPath, ours.CaPath, Fail);
        var (impostor, _) = PemCredentials.Load(theirs.CertificatePath, theirs.KeyPath, theirs.CaPath, Fail);

        Assert.False(PemCredentials.ChainsTo(authority, impostor));
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
    }

    private static InvalidOperationException Fail(PemFile file, string problem, Exception? inner) => new($"{file}: {problem}", inner);
}
