using System.Net;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>
/// The data plane under the cluster's mutual TLS (<see cref="TlsSettings"/>): a server and a client with certificates
/// of one authority exchange a chunk with a real shard of the test cluster; a peer without TLS, or with a certificate
/// from another authority, gets no answer and the shard is not touched.
/// </summary>
public sealed class DataPlaneTlsTests(ClusterFixture cluster) : IDisposable
{
    private const int Count = 1000;
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("data-plane-tests-ca");
    private readonly TestCertificateAuthority _stranger = TestCertificateAuthority.Create("data-plane-tests-stranger");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReduceAsync_BothEndsWithTheClustersCertificates_IsAppliedAndAnswered(bool overLocalSocket)
    {
        var tls = Load(_authority.Issue("silo-a"));
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        await using var server = await StartServerAsync(tls);
        try
        {
            var gradient = DataPlaneSilos.Values(5, Count);

            var client = Client(Load(_authority.Issue("silo-b")), server);

            var answer = await client.ReduceAsync(
                Route(server, shard, overLocalSocket), 0, new GradientContribution(0, 0, 0, 1, FloatBlock.From(gradient)), new float[Count], TestContext.Current.CancellationToken);

            Assert.Equal(gradient.Select(v => -v), answer.ToArray());
            Assert.Equal(overLocalSocket && OperatingSystem.IsLinux(), client.IsConnectedLocally(server.Endpoint!));
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReduceAsync_PlainOrStrangerPeerToATlsServer_IsRefusedAndTheShardUntouched(bool overLocalSocket)
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        await using var server = await StartServerAsync(Load(_authority.Issue("silo-a")));
        try
        {
            var contribution = new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[Count]));

            var plain = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
                Client(TlsSettings.Disabled, server).ReduceAsync(Route(server, shard, overLocalSocket), 0, contribution, new float[Count], TestContext.Current.CancellationToken));
            var stranger = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
                Client(Load(_stranger.Issue("impostor")), server).ReduceAsync(Route(server, shard, overLocalSocket), 0, contribution, new float[Count], TestContext.Current.CancellationToken));

            Assert.Contains($"shard {shard.GetPrimaryKeyString()}", plain.Message);
            Assert.Contains("cannot connect", stranger.Message);
            Assert.Equal(0, (await shard.GetInfoAsync()).StepsApplied);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
    }

    private static TlsSettings Load(TestCertificateFiles files) => TlsSettings.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath);

    /// <summary>A data-plane server of its own on loopback, handing chunks to the test cluster's shards through its client.</summary>
    private async Task<DataPlaneServer> StartServerAsync(TlsSettings tls)
    {
        var server = new DataPlaneServer(new DataPlaneOptions(true, 0), new LoopbackSilo(), cluster.Grains, tls, NullLogger<DataPlaneServer>.Instance);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static DataPlaneClient Client(TlsSettings tls, DataPlaneServer server) =>
        new(new DataPlaneOptions(true, 0), server, tls, Options.Create(new SiloMessagingOptions()));

    // The local socket carries the same TLS as TCP: a process that can reach it must still prove it is a silo.
    private static ShardRoutes Route(DataPlaneServer server, Orleans.Runtime.IAddressable shard, bool overLocalSocket) =>
        new([server.Endpoint], [shard.GetPrimaryKeyString()], [Count], localEndpoints: [overLocalSocket ? server.LocalEndpoint : null]);

    /// <summary>Where the standalone server says it listens: loopback.</summary>
    private sealed class LoopbackSilo : ILocalSiloDetails
    {
        public string Name => "data-plane-tests";

        public string ClusterId => "data-plane-tests";

        public string DnsHostName => "localhost";

        public SiloAddress SiloAddress { get; } = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1);

        public SiloAddress GatewayAddress => SiloAddress;
    }
}
