using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Security;

/// <summary>
/// Silo processes with mutual TLS on (<c>Autograd__Tls__*</c> pointing at PEM files of a certificate authority made in
/// the test), clustered through a private <c>redis-server</c>, and what the tests need to knock on their door: the
/// cluster's authority, a second authority the cluster does not trust, and Orleans clients with or without certificates.
/// Without <c>/usr/bin/redis-server</c> every test that uses it is skipped, visibly.
/// </summary>
public sealed class TlsSiloCluster : IAsyncLifetime
{
    public const int Silos = 2;

    private SiloProcessCluster? _cluster;
    private string? _skipReason;

    /// <summary>The authority the silos trust; its certificates are at <see cref="SiloFiles"/> and <see cref="ClientFiles"/>.</summary>
    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create("autograd-test-ca");

    /// <summary>An authority the silos do not trust, issuing certificates of the same names and usages.</summary>
    public TestCertificateAuthority Stranger { get; } = TestCertificateAuthority.Create("stranger-ca");

    /// <summary>The silos' certificate (server and client authentication), from <see cref="Authority"/>.</summary>
    public TestCertificateFiles SiloFiles { get; private set; } = null!;

    /// <summary>A client certificate (client authentication only), from <see cref="Authority"/>.</summary>
    public TestCertificateFiles ClientFiles { get; private set; } = null!;

    /// <summary>The silos' own TLS settings, read as the silo reads them: the trust every test client checks gateways against.</summary>
    public TlsSettings SiloTls { get; private set; } = TlsSettings.Disabled;

    public SiloProcessCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync()
    {
        SiloFiles = Authority.Issue("silo");
        ClientFiles = Authority.Issue("client", server: false);
        SiloTls = TlsSettings.FromPemFiles(SiloFiles.CertificatePath, SiloFiles.KeyPath, SiloFiles.CaPath);
        if (!RedisServer.IsInstalled)
        {
            _skipReason = RedisServer.NotInstalledReason;
            return;
        }

        var client = LoadCertificate(ClientFiles);
        _cluster = await SiloProcessCluster.StartAsync(
            new SiloProcessClusterOptions
            {
                Silos = Silos,
                ServiceId = "autograd-tls-tests",
                ClusterIdPrefix = "tls",
                Environment = SiloFiles.SiloEnvironment(),
                ConfigureClient = c => UseTls(c, client),
            },
            TestContext.Current.CancellationToken);
    }

    /// <summary>Skips the calling test, visibly, when the cluster could not be set up for lack of Redis.</summary>
    public void SkipUnlessAvailable()
    {
        if (_skipReason is not null) Assert.Skip(_skipReason);
    }

    /// <summary>A certificate and its key from PEM files, as a client would load them.</summary>
    public static X509Certificate2 LoadCertificate(TestCertificateFiles files)
    {
        using var pem = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// TLS on an Orleans client: it presents <paramref name="certificate"/> (none when null) and accepts only a gateway
    /// whose certificate chains to the cluster's <see cref="Authority"/>.
    /// </summary>
    public IClientBuilder UseTls(IClientBuilder client, X509Certificate2? certificate) => client.UseTls(options =>
    {
        options.LocalCertificate = certificate;
        options.ClientCertificateMode = certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, chain, _) => SiloTls.IsTrusted(remote, chain);
    });

    /// <summary>
    /// An Orleans client (not started) whose only gateway is the first silo, with the cluster's ids, configured further
    /// by <paramref name="configure"/>, logging to <paramref name="log"/> when given.
    /// </summary>
    public IHost NewClient(Action<IClientBuilder> configure, ILoggerProvider? log = null) => new HostBuilder()
        .ConfigureLogging(logging =>
        {
            if (log is not null) logging.AddProvider(log);
        })
        .UseOrleansClient(c =>
        {
            c.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, Cluster.Silos[0].GatewayPort))
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = Cluster.ClusterId;
                    o.ServiceId = Cluster.ServiceId;
                });
            configure(c);
        })
        .Build();

    /// <summary>
    /// The environment of one more silo of this cluster (its Redis, ids, free ports), without TLS unless
    /// <paramref name="tls"/> names certificate files.
    /// </summary>
    public Dictionary<string, string> SiloEnvironment(TestCertificateFiles? tls)
    {
        var ports = LoopbackPorts.Free(2);
        var environment = new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = SiloHostingOptions.Redis,
            ["ConnectionStrings__redis"] = Cluster.RedisConnectionString,
            ["Orleans__ClusterId"] = Cluster.ClusterId,
            ["Orleans__ServiceId"] = Cluster.ServiceId,
            ["Orleans__SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Autograd__Device"] = "cpu",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in tls?.SiloEnvironment() ?? new Dictionary<string, string>()) environment[key] = value;
        return environment;
    }

    /// <summary>Every process's output tail, for failure messages.</summary>
    public string Output() => _cluster?.Output() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        _cluster = null;
        Authority.Dispose();
        Stranger.Dispose();
    }
}
