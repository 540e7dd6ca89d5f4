using System.Net;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Tests.Support;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Connection;

/// <summary>
/// <see cref="TrainingClient"/> against a real silo with mutual TLS on (in this process, configured through
/// <see cref="TlsSiloBuilderExtensions.UseClusterTls"/> as the silo program does): the client's certificate from the
/// cluster's authority gets it in; without TLS, or with a certificate from another authority, it gets a
/// <see cref="ClusterConnectionException"/> once its connect timeout passes.
/// </summary>
public sealed class TlsConnectionTests : IAsyncLifetime
{
    private const string ClusterId = "tls-client-tests";
    private static readonly TimeSpan RefusedConnectTimeout = TimeSpan.FromSeconds(8);
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("client-tls-ca");
    private readonly TestCertificateAuthority _stranger = TestCertificateAuthority.Create("client-tls-stranger");
    private IHost? _silo;
    private int _gatewayPort;

    public async ValueTask InitializeAsync()
    {
        var files = _authority.Issue("silo");
        var tls = TlsSettings.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);
        var ports = LoopbackPorts.Free(2);
        _gatewayPort = ports[1];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration[ComputeDevice.ConfigurationKey] = "cpu";
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(ports[0], ports[1], serviceId: ClusterId, clusterId: ClusterId)
            .UseClusterTls(tls)
            .AddAutogradTraining());
        _silo = builder.Build();
        await _silo.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ConnectAsync_CertificateOfTheClusterAuthority_SubmitsAndCompletesAJob()
    {
        var files = _authority.Issue("client", server: false);

        await using var client = await TrainingClient.ConnectAsync(
            Connection() with { Tls = ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath) }, TestContext.Current.CancellationToken);
        var job = await client.SubmitAsync(TestJobs.Tiny(workers: 1), cancellationToken: TestContext.Current.CancellationToken);
        var status = await job.WaitAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(JobState.Completed, status.State);
    }

    [Fact]
    public async Task ConnectAsync_WithoutTls_IsRefused()
    {
        var error = await Assert.ThrowsAsync<ClusterConnectionException>(() =>
            TrainingClient.ConnectAsync(Connection() with { ConnectTimeout = RefusedConnectTimeout }, TestContext.Current.CancellationToken));

        Assert.Contains("no gateway answered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_CertificateOfAnotherAuthority_IsRefused()
    {
        var files = _stranger.Issue("client", server: false);
        var tls = ClusterTls.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);

        var error = await Assert.ThrowsAsync<ClusterConnectionException>(() =>
            TrainingClient.ConnectAsync(Connection() with { Tls = tls, ConnectTimeout = RefusedConnectTimeout }, TestContext.Current.CancellationToken));

        Assert.Contains("no gateway answered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_GatewayOfAnotherAuthority_IsNotTrustedByTheClient()
    {
        // The client's own certificate is from the silo's authority, but it trusts only the stranger: it must refuse the gateway.
        var mine = _authority.Issue("client", server: false);
        var tls = new ClusterTls(ClusterTls.FromPemFiles(mine.CertificatePath, mine.KeyPath, mine.CaPath).Certificate, [_stranger.Certificate]);

        await Assert.ThrowsAsync<ClusterConnectionException>(() =>
            TrainingClient.ConnectAsync(Connection() with { Tls = tls, ConnectTimeout = RefusedConnectTimeout }, TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync(TimeSpan.FromSeconds(10));
            _silo.Dispose();
        }

        _authority.Dispose();
        _stranger.Dispose();
    }

    private ClusterConnection Connection() =>
        ClusterConnection.ToGateways(new IPEndPoint(IPAddress.Loopback, _gatewayPort)) with { ClusterId = ClusterId, ServiceId = ClusterId };
}
