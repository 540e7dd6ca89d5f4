using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class TlsSettingsTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("silo-tests-ca");
    private readonly TestCertificateAuthority _stranger = TestCertificateAuthority.Create("silo-tests-stranger");

    [Fact]
    public void Read_NoKeys_IsDisabled()
    {
        var tls = TlsSettings.Read(new ConfigurationBuilder().Build());

        Assert.False(tls.Enabled);
        Assert.Null(tls.Certificate);
        Assert.Throws<InvalidOperationException>(() => tls.CreateServerOptions());
    }

    [Fact]
    public void Read_AllThreeKeys_LoadsTheCertificateWithItsKeyAndTheAuthority()
    {
        var files = _authority.Issue("silo");

        var tls = TlsSettings.Read(Configuration(files));

        Assert.True(tls.Enabled);
        Assert.True(tls.Certificate!.HasPrivateKey);
        Assert.Equal("CN=silo", tls.Certificate.Subject);
        Assert.Equal(_authority.Certificate.Thumbprint, Assert.Single(tls.Authority).Thumbprint);
    }

    [Theory]
    [InlineData(TlsSettings.CertificatePathKey)]
    [InlineData(TlsSettings.KeyPathKey)]
    [InlineData(TlsSettings.CaPathKey)]
    public void Read_OneKeyMissing_NamesIt(string missing)
    {
        var configuration = Configuration(_authority.Issue("silo"));
        configuration[missing] = "";

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.StartsWith($"configuration {missing}: is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_NamesItsKey()
    {
        var configuration = Configuration(_authority.Issue("silo"));
        configuration[TlsSettings.KeyPathKey] = "/nonexistent/tls.key";

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.StartsWith($"configuration {TlsSettings.KeyPathKey}: '/nonexistent/tls.key' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyOfAnotherCertificate_NamesTheCertificate()
    {
        var configuration = Configuration(_authority.Issue("silo"));
        configuration[TlsSettings.KeyPathKey] = _authority.Issue("other").KeyPath;

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.StartsWith($"configuration {TlsSettings.CertificatePathKey}:", error.Message, StringComparison.Ordinal);
        Assert.Contains("matching private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CertificateOfAnotherAuthority_IsRefusedAtStartup()
    {
        var configuration = Configuration(_stranger.Issue("silo"));
        configuration[TlsSettings.CaPathKey] = _authority.CaPath;

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.StartsWith($"configuration {TlsSettings.CertificatePathKey}:", error.Message, StringComparison.Ordinal);
        Assert.Contains("was not issued by the authority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ClientOnlyCertificate_IsRefused_ASiloAlsoServes()
    {
        var configuration = Configuration(_authority.Issue("client", server: false));

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.Contains("serverAuth and clientAuth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExpiredCertificate_IsRefused()
    {
        var configuration = Configuration(_authority.Issue("expired", notAfter: DateTimeOffset.UtcNow.AddMinutes(-1)));

        var error = Assert.Throws<InvalidOperationException>(() => TlsSettings.Read(configuration));

        Assert.StartsWith($"configuration {TlsSettings.CertificatePathKey}:", error.Message, StringComparison.Ordinal);
        Assert.Contains("is valid only from", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsTrusted_OnlyCertificatesOfTheAuthority()
    {
        var tls = Load(_authority.Issue("silo"));

        Assert.True(tls.IsTrusted(Load(_authority.Issue("peer")).Certificate!));
        Assert.False(tls.IsTrusted(Load(_stranger.Issue("peer")).Certificate!));
        // A self-signed certificate that takes the authority's name is not the authority.
        using var impostor = TestCertificateAuthority.Create("silo-tests-ca");
        Assert.False(tls.IsTrusted(impostor.Certificate));
        Assert.False(TlsSettings.Disabled.IsTrusted(tls.Certificate!));
    }

    [Fact]
    public async Task SslStreamOptions_TwoSilosOfTheAuthority_CompleteTheHandshake()
    {
        var server = Load(_authority.Issue("silo-a"));
        var client = Load(_authority.Issue("silo-b"));

        var (serverResult, clientResult) = await HandshakeAsync(server, client);

        Assert.Null(serverResult);
        Assert.Null(clientResult);
    }

    [Fact]
    public async Task SslStreamOptions_PeerOfAnotherAuthority_IsRefusedBothWays()
    {
        var member = Load(_authority.Issue("silo-a"));
        var stranger = Load(_stranger.Issue("silo-b"));

        var (serverRefusesStranger, _) = await HandshakeAsync(member, stranger);
        var (_, clientRefusesStranger) = await HandshakeAsync(stranger, member);

        Assert.IsType<AuthenticationException>(serverRefusesStranger, exactMatch: false);
        Assert.IsType<AuthenticationException>(clientRefusesStranger, exactMatch: false);
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
    }

    // A loopback TCP connection, each end authenticating with its settings' SslStream options; each end's exception (null: authenticated).
    private static async Task<(Exception? Server, Exception? Client)> HandshakeAsync(TlsSettings server, TlsSettings client)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var connecting = new TcpClient();
        await connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancel);
        using var accepted = await listener.AcceptTcpClientAsync(cancel);
        await using var serverStream = new SslStream(accepted.GetStream());
        await using var clientStream = new SslStream(connecting.GetStream());
        var serverSide = Capture(serverStream.AuthenticateAsServerAsync(server.CreateServerOptions(), cancel), accepted);
        var clientSide = Capture(clientStream.AuthenticateAsClientAsync(client.CreateClientOptions(), cancel), connecting);
        return (await serverSide, await clientSide);
    }

    // One side's failure closes its socket, so that the other side's read ends too rather than waiting.
    private static async Task<Exception?> Capture(Task handshake, TcpClient socket)
    {
        try
        {
            await handshake;
            return null;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            socket.Close();
            return e;
        }
    }

    private static TlsSettings Load(TestCertificateFiles files) => TlsSettings.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);

    private static IConfiguration Configuration(TestCertificateFiles files) => new ConfigurationBuilder().AddInMemoryCollection(
        files.SiloEnvironment().Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value))).Build();
}
