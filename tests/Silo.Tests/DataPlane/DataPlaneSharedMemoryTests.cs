using System.Text;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>
/// Chunks and answers crossing in a region of shared memory between a worker's connection and a co-located silo's
/// data plane: the server's side spoken to by hand (<see cref="RawPeer"/>), the worker's through a
/// <see cref="DataPlaneClient"/> of the test cluster, whose silos share one host.
/// </summary>
public sealed class DataPlaneSharedMemoryTests(ClusterFixture cluster)
{
    private const int Count = 1000;
    private const long RegionBytes = 1 << 20;

    [Fact]
    public async Task SharedReduce_AfterTheRegionIsMapped_IsReadInPlaceAndAnsweredOverItsSlot()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        var region = SharedRegion.TryCreate(RegionBytes, out _)!;
        try
        {
            await using var peer = await RawPeer.ConnectLocallyAsync((await shard.GetInfoAsync()).LocalDataPlane!);
            var (mapped, _) = await peer.OfferRegionAsync(region);
            var gradient = DataPlaneSilos.Values(seed: 11, Count);
            region.Write(4096, gradient);

            await peer.SendSharedReduceAsync(5, shard.GetPrimaryKeyString(), step: 0, slot: 4096, Count);
            var (answer, payload) = await peer.ReadFrameAsync();

            Assert.Equal(FrameKind.RegionMapped, mapped.Kind);
            Assert.False(File.Exists(region.Path), "the server removes the region's name once it mapped it");
            Assert.Equal((FrameKind.Answer, 5u, Count, true), (answer.Kind, answer.RequestId, answer.Count, answer.Shared));
            Assert.Empty(payload);
            // SGD with lr = 1 from zeros, one rank: the answer, written over the gradient's slot, is minus the gradient.
            var written = new float[Count];
            region.Read(4096, written);
            Assert.Equal(gradient.Select(v => -v), written);
            Assert.Equal(gradient.Select(v => -v), (await shard.GetParametersAsync()).ToArray());
        }
        finally
        {
            SharedRegion.Remove(region.Path);
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task SharedChunk_ItsConnectionGoneBeforeTheShardApplies_IsStillAveragedFromTheRegion()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 2))[0];
        // One marker shard per silo (spread placement): the one beside the shard tells when the shard has the chunk.
        var markers = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        try
        {
            var gradient0 = DataPlaneSilos.Values(seed: 12, Count);
            var gradient1 = DataPlaneSilos.Values(seed: 13, Count);
            var info = await shard.GetInfoAsync();
            var markerInfos = await Task.WhenAll(markers.Select(m => m.GetInfoAsync()));
            var marker = markers[Array.FindIndex(markerInfos, i => i.Silo == info.Silo)];
            await using (var peer = await RawPeer.ConnectLocallyAsync(info.LocalDataPlane!))
            {
                // The worker's side lets go of its region at once, as a killed silo would: the shard's mapping holds the pages.
                var region = SharedRegion.TryCreate(RegionBytes, out _)!;
                Assert.Equal(FrameKind.RegionMapped, (await peer.OfferRegionAsync(region)).Header.Kind);
                region.Write(0, gradient0);
                await peer.SendSharedReduceAsync(1, shard.GetPrimaryKeyString(), step: 0, slot: 0, Count, rank: 0);
                // Frames are handed to their shards in order: once the marker's chunk is answered, the shard holds rank 0's.
                await peer.SendReduceAsync(2, marker.GetPrimaryKeyString(), step: 0, new float[Count]);
                var (marked, _) = await peer.ReadFrameAsync();
                Assert.Equal((FrameKind.Answer, 2u), (marked.Kind, marked.RequestId));
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var answer = await shard.ReduceAsync(new GradientContribution(0, 0, 1, 1, FloatBlock.From(gradient1)));

            var expected = new float[Count];
            GradientAverager.WeightedMean([FloatBlock.From(gradient0), FloatBlock.From(gradient1)], [1, 1], expected);
            Assert.Equal(expected.Select(v => -v), answer.ToArray());
        }
        finally
        {
            await Task.WhenAll(markers.Append(shard).Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task OfferedRegionTheServerCannotMap_IsRefusedWithAnErrorAndTheConnectionCarriesChunksWhole()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        var region = SharedRegion.TryCreate(RegionBytes, out _)!;
        try
        {
            await using var peer = await RawPeer.ConnectLocallyAsync((await shard.GetInfoAsync()).LocalDataPlane!);

            var (refused, text) = await peer.OfferRegionAsync(region, path: "/etc/passwd");
            await peer.SendReduceAsync(2, shard.GetPrimaryKeyString(), step: 0, new float[Count]);
            var (answer, _) = await peer.ReadFrameAsync();

            Assert.Equal(FrameKind.Error, refused.Kind);
            Assert.Contains("cannot map the shared region: '/etc/passwd' is not a data-plane region", Encoding.UTF8.GetString(text));
            Assert.Equal((FrameKind.Answer, 2u, false), (answer.Kind, answer.RequestId, answer.Shared));
        }
        finally
        {
            SharedRegion.Remove(region.Path);
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task OfferedRegionOverTcp_IsRefused()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        var region = SharedRegion.TryCreate(RegionBytes, out _)!;
        try
        {
            // A TCP peer may be on another host, whose /dev/shm is not this one's.
            await using var peer = await RawPeer.ConnectAsync((await shard.GetInfoAsync()).DataPlane!);

            var (refused, text) = await peer.OfferRegionAsync(region);

            Assert.Equal(FrameKind.Error, refused.Kind);
            Assert.Contains("maps no shared regions", Encoding.UTF8.GetString(text));
            Assert.True(File.Exists(region.Path), "a refused region is left to its creator");
        }
        finally
        {
            SharedRegion.Remove(region.Path);
            await shard.ReleaseAsync();
        }
    }

    public static TheoryData<string> HostileSharedFrames => new(["shared chunk without a region", "slot past the region", "second region"]);

    [Theory]
    [MemberData(nameof(HostileSharedFrames))]
    public async Task HostileSharedFrame_DropsTheConnection(string hostile)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        var region = SharedRegion.TryCreate(RegionBytes, out _)!;
        var second = SharedRegion.TryCreate(RegionBytes, out _)!;
        try
        {
            await using var peer = await RawPeer.ConnectLocallyAsync((await shard.GetInfoAsync()).LocalDataPlane!);
            if (hostile != "shared chunk without a region") Assert.Equal(FrameKind.RegionMapped, (await peer.OfferRegionAsync(region)).Header.Kind);

            switch (hostile)
            {
                case "second region":
                    var payload = FrameCodec.EncodeRegion(second.Path, second.Bytes);
                    var header = new byte[FrameCodec.HeaderSize];
                    FrameCodec.Write(header, new FrameHeader(FrameKind.MapRegion, 0, false, 0, 0, 0, 0, 0, payload.Length, 0));
                    await peer.SendRawAsync([.. header, .. payload]);
                    break;
                default:
                    await peer.SendSharedReduceAsync(1, shard.GetPrimaryKeyString(), step: 0, slot: hostile == "slot past the region" ? (int)(RegionBytes / sizeof(float)) - Count + 1 : 0, Count);
                    break;
            }

            peer.ShutdownSend();
            Assert.Equal(0, await peer.ReadToEndAsync());
            Assert.Equal(0, (await shard.GetInfoAsync()).StepsApplied);
        }
        finally
        {
            SharedRegion.Remove(region.Path);
            SharedRegion.Remove(second.Path);
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_ToCoLocatedSilos_CarriesChunksInSharedMemoryWithTheSocketsAnswers()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        var otherShards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var server = DataPlaneSilos.Service<DataPlaneServer>(cluster, infos[0].Silo);
            var shared = NewClient(server, sharedBytes: RegionBytes);
            var socketOnly = NewClient(server, sharedBytes: 0);
            var gradient = DataPlaneSilos.Values(14, Count * shards.Length);

            var overMemory = await GradientExchange.ReduceAsync(shared, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);
            var overSocket = await GradientExchange.ReduceAsync(socketOnly, otherShards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);

            var remote = infos.Where(i => i.Silo != infos[0].Silo).Select(i => i.DataPlane!).Distinct().ToArray();
            Assert.NotEmpty(remote);
            Assert.All(remote, e => Assert.True(shared.IsConnectedShared(e)));
            Assert.All(remote, e => Assert.True(socketOnly.IsConnectedLocally(e) && !socketOnly.IsConnectedShared(e)));
            Assert.Equal(gradient.Select(v => -v), overMemory.SelectMany(c => c.ToArray()));
            Assert.Equal(overSocket.SelectMany(c => c.ToArray()), overMemory.SelectMany(c => c.ToArray()));
        }
        finally
        {
            await Task.WhenAll(shards.Concat(otherShards).Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_RegionTooSmallForEveryChunk_SendsTheRestOverTheSocketStepAfterStep()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions and abstract sockets exist on Linux only");
        // Two chunks per shard; the region holds the first only, so each step carries one in memory and one whole.
        const int count = GradientChunks.Floats + 1000;
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, count, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var client = NewClient(DataPlaneSilos.Service<DataPlaneServer>(cluster, infos[0].Silo), sharedBytes: GradientChunks.Floats * sizeof(float));
            var parameters = new float[count * shards.Length];
            for (int step = 0; step < 3; step++)
            {
                var gradient = DataPlaneSilos.Values(20 + step, parameters.Length);

                var chunks = await GradientExchange.ReduceAsync(client, shards, DataPlaneSilos.Blocks(gradient, shards.Length), step, 0, 0, 1, false, TestContext.Current.CancellationToken);

                for (int i = 0; i < parameters.Length; i++) parameters[i] -= gradient[i];
                Assert.Equal(parameters, chunks.SelectMany(c => c.ToArray()));
            }

            Assert.All(infos.Where(i => i.Silo != infos[0].Silo), i => Assert.True(client.IsConnectedShared(i.DataPlane!)));
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    private static DataPlaneClient NewClient(DataPlaneServer server, long sharedBytes) =>
        new(new DataPlaneOptions(true, 0, LocalSocket: true, SharedMemoryBytes: sharedBytes), server, TlsSettings.Disabled, Options.Create(new SiloMessagingOptions()));
}
