using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Grains;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>
/// <see cref="GradientExchange"/> through a silo's <see cref="DataPlaneClient"/> to the other silos of the test cluster
/// (one process, three silos, each with its own server on loopback), against the grain-call path, and its failures.
/// </summary>
public sealed class DataPlaneClientTests(ClusterFixture cluster)
{
    /// <summary>A chunk and a bit: two chunks per shard.</summary>
    private const int Count = GradientChunks.Floats + 1000;

    [Fact]
    public async Task ReduceAsync_OverTheDataPlane_GivesTheSameParametersAsGrainCalls()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 2);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            var routes = await client.RoutesAsync(shards, shards.Select(_ => Count).ToArray());
            var grads = new[] { DataPlaneSilos.Values(1, Count * shards.Length), DataPlaneSilos.Values(2, Count * shards.Length) };
            long[] samples = [3, 1];

            // Rank 0 from shard 0's silo over its data plane; rank 1 by grain calls from the test's client.
            var answers = await Task.WhenAll(
                GradientExchange.ReduceAsync(client, shards, DataPlaneSilos.Blocks(grads[0], shards.Length), 0, 0, 0, (int)samples[0], false, TestContext.Current.CancellationToken),
                GradientExchange.ReduceAsync(null, shards, DataPlaneSilos.Blocks(grads[1], shards.Length), 0, 0, 1, (int)samples[1], false, TestContext.Current.CancellationToken));

            Assert.True(client.Enabled);
            Assert.Null(routes!.Endpoint(0));
            // The test cluster's silos share one process, so one network namespace: each connection is a local socket.
            var remoteEndpoints = infos.Where(i => i.Silo != infos[0].Silo).Select(i => i.DataPlane!).Distinct().ToArray();
            Assert.All(remoteEndpoints, e => Assert.Equal(OperatingSystem.IsLinux(), client.IsConnectedLocally(e)));
            Assert.Equal(infos.Count(i => i.Silo != infos[0].Silo), routes.RemoteCount);
            Assert.True(routes.RemoteCount > 0, "the spread placement put every shard on one silo");
            var expected = new float[grads[0].Length];
            GradientAverager.WeightedMean([FloatBlock.From(grads[0]), FloatBlock.From(grads[1])], samples, expected);
            var ranges = GradientExchange.ChunkRanges(shards.Select((_, s) => new ShardRange(s, (long)s * Count, Count)).ToArray());
            foreach (var chunks in answers)
            {
                var assembled = new float[expected.Length];
                for (int c = 0; c < chunks.Length; c++) chunks[c].CopyTo(assembled.AsSpan((int)ranges[c].Offset, ranges[c].Count));
                // SGD with lr = 1 from zeros: minus the averaged gradient, bit for bit on both paths.
                Assert.Equal(expected.Select(v => BitConverter.SingleToInt32Bits(-v)), assembled.Select(BitConverter.SingleToInt32Bits));
            }
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_ShardOnTheSendersSilo_IsCalledOnItsActivationThere()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
        var local = DataPlaneSilos.Service<DataPlaneServer>(cluster, infos[0].Silo).Shards;
        string key = shards[0].GetPrimaryKeyString();
        var activation = local.Find(key)!;
        // Stands in for shard 0's activation: a grain call would reach the real one, which answers minus the gradient.
        var standIn = new StandInShard(c => c.Gradient.ToArray().Select(v => 2 * v).ToArray());
        local.Add(key, standIn);
        try
        {
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            var gradient = DataPlaneSilos.Values(4, Count * shards.Length);

            var chunks = await GradientExchange.ReduceAsync(client, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);

            Assert.Equal(GradientChunks.CountFor(Count), standIn.Received.Count);
            var ranges = GradientExchange.ChunkRanges(shards.Select((_, s) => new ShardRange(s, (long)s * Count, Count)).ToArray());
            var assembled = new float[gradient.Length];
            for (int c = 0; c < chunks.Length; c++) chunks[c].CopyTo(assembled.AsSpan((int)ranges[c].Offset, ranges[c].Count));
            Assert.Equal(gradient.Take(Count).Select(v => 2 * v), assembled.Take(Count));
            // The other silos' shards, over the data plane, answer as shards do.
            Assert.Equal(gradient.Skip(Count).Select(v => -v), assembled.Skip(Count));
        }
        finally
        {
            local.Add(key, activation);
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceLocallyAsync_ShardNeverAnswers_FailsAfterTheResponseTimeoutNamingTheShard()
    {
        var server = DataPlaneSilos.Service<DataPlaneServer>(cluster, cluster.Cluster.Silos[0].SiloAddress.ToString());
        var client = new DataPlaneClient(
            new DataPlaneOptions(true, 0), server, TlsSettings.Disabled, Options.Create(new SiloMessagingOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) }));
        var silent = new StandInShard(_ => new TaskCompletionSource<FloatBlock>().Task);
        var chunk = new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[10]));

        var e = await Assert.ThrowsAsync<TimeoutException>(() => client.ReduceLocallyAsync(silent, "job/3", chunk, TestContext.Current.CancellationToken));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var waiting = client.ReduceLocallyAsync(silent, "job/3", chunk, cancel.Token);
        cancel.Cancel();

        Assert.Contains("shard job/3 did not answer a chunk within 0.3 s", e.Message);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task ReduceAsync_WithTheCallersAnswerArray_ReadsRemoteChunksStraightIntoIt()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            var gradient = DataPlaneSilos.Values(3, Count * shards.Length);
            var answers = new float[gradient.Length];

            var tooShort = await Assert.ThrowsAsync<ArgumentException>(() => GradientExchange.ReduceAsync(
                client, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken, new float[10]));
            var chunks = await GradientExchange.ReduceAsync(
                client, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken, answers);

            Assert.Contains($"an answer array of 10 floats for blocks of {gradient.Length}", tooShort.Message);
            var ranges = GradientExchange.ChunkRanges(shards.Select((_, s) => new ShardRange(s, (long)s * Count, Count)).ToArray());
            var remote = shards.Select((_, s) => infos[s].Silo != infos[0].Silo).ToArray();
            Assert.Contains(true, remote);
            for (int c = 0; c < chunks.Length; c++)
            {
                var range = ranges[c];
                var place = answers.AsSpan((int)range.Offset, range.Count);
                bool inPlace = System.Runtime.CompilerServices.Unsafe.AreSame(
                    ref System.Runtime.InteropServices.MemoryMarshal.GetReference(chunks[c].Span), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(place));
                // A remote shard's chunk is a view of the caller's array at its place; a local shard's is the shard's own answer.
                Assert.Equal(remote[(int)(range.Offset / Count)], inPlace);
                Assert.Equal(gradient.AsSpan((int)range.Offset, range.Count).ToArray().Select(v => -v), chunks[c].ToArray());
            }
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_LocalSocketOff_GoesOverTcpWithTheSameAnswers()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, Count, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var tcpOnly = new DataPlaneClient(
                new DataPlaneOptions(true, 0, LocalSocket: false), DataPlaneSilos.Service<DataPlaneServer>(cluster, infos[0].Silo), TlsSettings.Disabled,
                Options.Create(new SiloMessagingOptions()));
            var gradient = DataPlaneSilos.Values(6, Count * shards.Length);

            var chunks = await GradientExchange.ReduceAsync(tcpOnly, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);

            var remote = infos.Where(i => i.Silo != infos[0].Silo).Select(i => i.DataPlane!).Distinct().ToArray();
            Assert.NotEmpty(remote);
            Assert.All(remote, e => Assert.False(tcpOnly.IsConnectedLocally(e)));
            Assert.Equal(gradient.Select(v => -v), chunks.SelectMany(c => c.ToArray()));
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_LocalSocketNobodyListensOn_FallsBackToTcp()
    {
        // A shard whose reported local socket is gone (its silo restarted, or it is another network namespace's name).
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, 100, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            int remote = Array.FindIndex(infos, i => i.Silo != infos[0].Silo);
            Assert.True(remote >= 0, "the spread placement put every shard on one silo");
            var client = new DataPlaneClient(
                new DataPlaneOptions(true, 0), DataPlaneSilos.Service<DataPlaneServer>(cluster, infos[0].Silo), TlsSettings.Disabled, Options.Create(new SiloMessagingOptions()));
            var routes = new ShardRoutes(
                [infos[remote].DataPlane], [shards[remote].GetPrimaryKeyString()], [100], [infos[remote].Silo], ["@autograd-dataplane-" + Guid.NewGuid().ToString("N")]);
            var gradient = DataPlaneSilos.Values(7, 100);

            var answer = await client.ReduceAsync(routes, 0, new GradientContribution(0, 0, 0, 1, FloatBlock.From(gradient)), routes.Answers, TestContext.Current.CancellationToken);

            Assert.False(client.IsConnectedLocally(infos[remote].DataPlane!));
            Assert.Equal(gradient.Select(v => -v), answer.ToArray());
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_DataPlaneOff_MakesGrainCallsOnly()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, 100, world: 1);
        try
        {
            var silo = (await shards[0].GetInfoAsync()).Silo;
            var off = new DataPlaneClient(
                new DataPlaneOptions(false, 0), DataPlaneSilos.Service<DataPlaneServer>(cluster, silo), TlsSettings.Disabled, Options.Create(new SiloMessagingOptions()));
            var gradient = DataPlaneSilos.Values(4, 100 * shards.Length);

            var chunks = await GradientExchange.ReduceAsync(off, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);

            Assert.False(off.Enabled);
            Assert.Equal(gradient.Select(v => -v), chunks.SelectMany(c => c.ToArray()));
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_UnderAnActivity_EachRemoteChunkIsServedInItsTrace()
    {
        using var caller = new ActivitySource("test.dataplane.caller");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DataPlaneTelemetry.Name or "test.dataplane.caller",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, 100, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            int remote = infos.Count(i => i.Silo != infos[0].Silo);
            Assert.True(remote > 0, "the spread placement put every shard on one silo");
            var gradient = DataPlaneSilos.Values(6, 100 * shards.Length);

            ActivityContext step;
            using (var span = caller.StartActivity("step"))
            {
                step = span!.Context;
                await GradientExchange.ReduceAsync(client, shards, DataPlaneSilos.Blocks(gradient, shards.Length), 0, 0, 0, 1, false, TestContext.Current.CancellationToken);
            }

            for (int i = 0; i < 100 && spans.Count(s => s.TraceId == step.TraceId && s.OperationName == DataPlaneTelemetry.ReduceSpan) < remote; i++)
                await Task.Delay(20, TestContext.Current.CancellationToken);
            var served = spans.Where(s => s.TraceId == step.TraceId && s.OperationName == DataPlaneTelemetry.ReduceSpan).ToList();
            Assert.Equal(remote, served.Count);
            Assert.All(served, s => Assert.Equal(step.SpanId, s.ParentSpanId));
            Assert.Equal(
                infos.Select((info, s) => (info, s)).Where(x => x.info.Silo != infos[0].Silo).Select(x => shards[x.s].GetPrimaryKeyString()).Order(),
                served.Select(s => (string)s.GetTagItem(DataPlaneTelemetry.ShardKeyTag)!).Order());
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_ShardRefusesAChunk_FailsWithTheShardsReasonAndItsKey()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, 100, world: 1);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            int remote = Array.FindIndex(infos, i => i.Silo != infos[0].Silo);
            Assert.True(remote > 0, "the spread placement put every shard on one silo");
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            var routes = (await client.RoutesAsync(shards, shards.Select(_ => 100).ToArray()))!;

            var e = await Assert.ThrowsAsync<DataPlaneException>(() =>
                client.ReduceAsync(routes, remote, new GradientContribution(7, 0, 0, 1, FloatBlock.From(new float[100])), routes.Answers, TestContext.Current.CancellationToken));

            Assert.Equal(shards[remote].GetPrimaryKeyString(), e.ShardKey);
            Assert.Contains($"shard {shards[remote].GetPrimaryKeyString()}", e.Message);
            Assert.Contains("is at step 0 but rank 0 sent step 7", e.Message);
            Assert.False(SiloWatch.IsUnreachable(e));
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    [Fact]
    public async Task ReduceAsync_PeerDiesWhileTheChunkWaits_FailsAsAnUnreachableSiloNamingTheShard()
    {
        // A peer that takes the chunk and then dies (its socket reset, as a killed silo's is on loopback).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var dying = Task.Run(async () =>
        {
            using var socket = await listener.AcceptAsync(TestContext.Current.CancellationToken);
            var header = new byte[FrameCodec.HeaderSize];
            await socket.ReceiveAsync(header, TestContext.Current.CancellationToken);
            socket.LingerState = new LingerOption(true, 0);
        }, TestContext.Current.CancellationToken);
        var client = AnyClient();
        var routes = new ShardRoutes([listener.LocalEndPoint!.ToString()], ["job/0"], [100]);

        var e = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            client.ReduceAsync(routes, 0, new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[100])), routes.Answers, TestContext.Current.CancellationToken));
        await dying;

        Assert.Contains("shard job/0", e.Message);
        Assert.Contains("connection", e.Message);
        // What the coordinator asks of a failed step: an unreachable silo is recovered from, as after a failed grain call.
        Assert.True(SiloWatch.IsUnreachable(e));
    }

    [Fact]
    public async Task ReduceAsync_NothingListens_FailsAsAnUnreachableSiloNamingTheShardAndEndpoint()
    {
        string endpoint;
        using (var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            endpoint = closed.LocalEndPoint!.ToString()!;
        }

        var routes = new ShardRoutes([endpoint], ["job/1"], [10]);

        var e = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            AnyClient().ReduceAsync(routes, 0, new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[10])), routes.Answers, TestContext.Current.CancellationToken));

        Assert.Contains($"shard job/1 (data plane {endpoint}): cannot connect", e.Message);
    }

    [Fact]
    public async Task ReduceAsync_SiloOfTheEndpointKnown_FailureNamesTheSilo()
    {
        // The coordinator's "silo-lost" event quotes the failure: it must say which silo went, as a grain call's does.
        string endpoint;
        using (var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            endpoint = closed.LocalEndPoint!.ToString()!;
        }

        var routes = new ShardRoutes([endpoint], ["job/1"], [10], ["S127.0.0.1:11111:42"]);

        var e = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            AnyClient().ReduceAsync(routes, 0, new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[10])), routes.Answers, TestContext.Current.CancellationToken));

        Assert.Contains($"(data plane {endpoint}, silo S127.0.0.1:11111:42): cannot connect", e.Message);
    }

    [Fact]
    public async Task ReduceAsync_CancelledWhileTheShardWaitsForOtherRanks_StopsWaiting()
    {
        var shards = await DataPlaneSilos.NewShardsAsync(cluster, ClusterFixture.Silos, 100, world: 2);
        try
        {
            var infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
            var client = DataPlaneSilos.Service<DataPlaneClient>(cluster, infos[0].Silo);
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

            // Rank 1 never sends: the shards would wait for it until the step's abort.
            var exchange = GradientExchange.ReduceAsync(client, shards, DataPlaneSilos.Blocks(new float[100 * shards.Length], shards.Length), 0, 0, 0, 1, false, abort.Token);
            await Task.Delay(200, TestContext.Current.CancellationToken);
            Assert.False(exchange.IsCompleted);
            abort.Cancel();

            await Assert.ThrowsAnyAsync<Exception>(() => exchange);
        }
        finally
        {
            await Task.WhenAll(shards.Select(s => s.ReleaseAsync()));
        }
    }

    private DataPlaneClient AnyClient() => DataPlaneSilos.Service<DataPlaneClient>(cluster, cluster.Cluster.Silos[0].SiloAddress.ToString());
}
