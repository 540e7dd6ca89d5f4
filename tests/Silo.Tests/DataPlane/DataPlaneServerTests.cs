using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Grains;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>A silo's data-plane server on loopback, spoken to frame by frame over a raw socket, as a worker of another silo does.</summary>
public sealed class DataPlaneServerTests(ClusterFixture cluster)
{
    private const int Count = 1000;

    [Fact]
    public async Task GetInfoAsync_Shard_ReportsItsSilosDataPlaneEndpoint()
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            var info = await shard.GetInfoAsync();

            Assert.NotNull(info.DataPlane);
            Assert.Equal(DataPlaneSilos.Service<DataPlaneServer>(cluster, info.Silo).Endpoint, info.DataPlane);
            Assert.StartsWith("127.0.0.1:", info.DataPlane);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task GetInfoAsync_Shard_ReportsItsSilosLocalSocket()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "abstract Unix sockets exist on Linux only; elsewhere the data plane has no local socket");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            var info = await shard.GetInfoAsync();

            Assert.NotNull(info.LocalDataPlane);
            Assert.Equal(DataPlaneSilos.Service<DataPlaneServer>(cluster, info.Silo).LocalEndpoint, info.LocalDataPlane);
            Assert.StartsWith("@autograd-dataplane-", info.LocalDataPlane);
            // Each silo's is its own.
            var names = cluster.Cluster.Silos.Select(s => DataPlaneSilos.Service<DataPlaneServer>(cluster, s.SiloAddress.ToString()).LocalEndpoint).ToArray();
            Assert.Equal(names.Length, names.Distinct().Count());
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceFrame_OverTheLocalSocket_IsAppliedByTheShardAndAnsweredWithItsValues()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "abstract Unix sockets exist on Linux only");
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            var gradient = DataPlaneSilos.Values(seed: 5, Count);
            await using var peer = await RawPeer.ConnectLocallyAsync((await shard.GetInfoAsync()).LocalDataPlane!);

            await peer.SendReduceAsync(7, shard.GetPrimaryKeyString(), step: 0, gradient);
            var (header, payload) = await peer.ReadFrameAsync();

            Assert.Equal((FrameKind.Answer, 7u), (header.Kind, header.RequestId));
            Assert.Equal(gradient.Select(v => -v), MemoryMarshal.Cast<byte, float>(payload).ToArray());
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceFrame_OnLoopback_IsAppliedByTheShardAndAnsweredWithItsValues()
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            var gradient = DataPlaneSilos.Values(seed: 3, Count);
            await using var peer = await RawPeer.ConnectAsync((await shard.GetInfoAsync()).DataPlane!);

            await peer.SendReduceAsync(41, shard.GetPrimaryKeyString(), step: 0, gradient);
            var (header, payload) = await peer.ReadFrameAsync();

            Assert.Equal(FrameKind.Answer, header.Kind);
            Assert.Equal(41u, header.RequestId);
            // SGD with lr = 1 from zeros, one rank: the parameters are minus the gradient.
            Assert.Equal(gradient.Select(v => -v), MemoryMarshal.Cast<byte, float>(payload).ToArray());
            Assert.Equal(gradient.Select(v => -v), (await shard.GetParametersAsync()).ToArray());
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceFrame_ShardActiveInTheSilo_IsHandedToTheActivationWithoutAGrainCall()
    {
        // No grain was initialized under this key: a grain call would activate a fresh shard, which refuses the chunk.
        string key = GrainKeys.Member(JobRunner.NewJobId(), 0);
        var server = DataPlaneSilos.Service<DataPlaneServer>(cluster, cluster.Cluster.Silos[0].SiloAddress.ToString());
        float[] answer = [.. DataPlaneSilos.Values(seed: 8, Count)];
        var standIn = new StandInShard(answer);
        server.Shards.Add(key, standIn);
        try
        {
            var gradient = DataPlaneSilos.Values(seed: 9, Count);
            await using var peer = await RawPeer.ConnectAsync(server.Endpoint!);

            await peer.SendReduceAsync(12, key, step: 4, gradient);
            var (header, payload) = await peer.ReadFrameAsync();

            Assert.Equal((FrameKind.Answer, 12u), (header.Kind, header.RequestId));
            Assert.Equal(answer, MemoryMarshal.Cast<byte, float>(payload).ToArray());
            var received = Assert.Single(standIn.Received);
            Assert.Equal((4L, 0, 1), (received.Step, received.Rank, received.Samples));
            Assert.Equal(gradient, received.Gradient.ToArray());
        }
        finally
        {
            server.Shards.Remove(key, standIn);
        }
    }

    [Fact]
    public async Task InitializeAsync_Shard_IsRegisteredWithItsSilosDataPlaneUntilReleased()
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        var server = DataPlaneSilos.Service<DataPlaneServer>(cluster, (await shard.GetInfoAsync()).Silo);
        string key = shard.GetPrimaryKeyString();

        // The activation itself, not a grain reference.
        Assert.IsType<ParameterShardGrain>(server.Shards.Find(key));
        await shard.ReleaseAsync();

        Assert.Null(server.Shards.Find(key));
    }

    [Fact]
    public async Task ReduceFrame_ShardRefuses_AnswersAnErrorWithTheShardsReasonAndKeepsTheConnection()
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            await using var peer = await RawPeer.ConnectAsync((await shard.GetInfoAsync()).DataPlane!);

            await peer.SendReduceAsync(1, shard.GetPrimaryKeyString(), step: 5, new float[Count]);
            var (refused, text) = await peer.ReadFrameAsync();
            await peer.SendReduceAsync(2, $"{JobRunner.NewJobId()}/0", step: 0, new float[Count]);
            var (unknown, unknownText) = await peer.ReadFrameAsync();
            await peer.SendReduceAsync(3, shard.GetPrimaryKeyString(), step: 0, new float[Count]);
            var (answer, _) = await peer.ReadFrameAsync();

            Assert.Equal((FrameKind.Error, 1u), (refused.Kind, refused.RequestId));
            Assert.Contains("is at step 0 but rank 0 sent step 5", Encoding.UTF8.GetString(text));
            Assert.Equal((FrameKind.Error, 2u), (unknown.Kind, unknown.RequestId));
            Assert.Contains("has not been initialized", Encoding.UTF8.GetString(unknownText));
            Assert.Equal((FrameKind.Answer, 3u, Count), (answer.Kind, answer.RequestId, answer.Count));
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceFrame_WithTraceContext_IsHandledUnderAServerSpanInTheSendersTrace()
    {
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DataPlaneTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span => { if (span.TraceId == sent.TraceId) spans.Enqueue(span); },
        };
        ActivitySource.AddActivityListener(listener);
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            var gradient = DataPlaneSilos.Values(seed: 5, Count);
            await using var peer = await RawPeer.ConnectAsync((await shard.GetInfoAsync()).DataPlane!);

            await peer.SendReduceAsync(7, shard.GetPrimaryKeyString(), step: 0, gradient, sent);
            var (header, payload) = await peer.ReadFrameAsync();

            Assert.Equal((FrameKind.Answer, 7u), (header.Kind, header.RequestId));
            Assert.Equal(gradient.Select(v => -v), MemoryMarshal.Cast<byte, float>(payload).ToArray());
            // The span stops once the answer is written: it may trail the answer by a moment.
            for (int i = 0; i < 100 && spans.IsEmpty; i++) await Task.Delay(20, TestContext.Current.CancellationToken);
            var span = Assert.Single(spans);
            Assert.Equal((DataPlaneTelemetry.ReduceSpan, ActivityKind.Server), (span.OperationName, span.Kind));
            Assert.Equal(sent.SpanId, span.ParentSpanId);
            Assert.Equal(shard.GetPrimaryKeyString(), span.GetTagItem(DataPlaneTelemetry.ShardKeyTag));
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    public static TheoryData<string> HostileFrames => new(["bad magic", "huge count", "answer sent to a silo", "not a shard key", "cut short", "bad trace flags", "zero trace id", "trace context cut short"]);

    [Theory]
    [MemberData(nameof(HostileFrames))]
    public async Task HostileFrame_DropsTheConnection_AndTheServerServesTheNext(string hostile)
    {
        var shard = (await DataPlaneSilos.NewShardsAsync(cluster, 1, Count, world: 1))[0];
        try
        {
            string endpoint = (await shard.GetInfoAsync()).DataPlane!;
            await using (var peer = await RawPeer.ConnectAsync(endpoint))
            {
                var header = new byte[FrameCodec.HeaderSize];
                var key = Encoding.UTF8.GetBytes(shard.GetPrimaryKeyString());
                FrameCodec.Write(header, new FrameHeader(FrameKind.Reduce, 1, false, 0, 0, 0, 1, 0, Count, key.Length));
                switch (hostile)
                {
                    case "bad magic": header[0] ^= 0xff; break;
                    case "huge count": BitConverter.TryWriteBytes(header.AsSpan(36), int.MaxValue); break;
                    case "answer sent to a silo": FrameCodec.Write(header, new FrameHeader(FrameKind.Answer, 1, false, 0, 0, 0, 0, 0, Count, 0)); key = []; break;
                    case "not a shard key": key = "no-slash"u8.ToArray(); BitConverter.TryWriteBytes(header.AsSpan(40), (ushort)key.Length); break;
                    case "cut short": break;
                    case "bad trace flags" or "zero trace id" or "trace context cut short":
                        FrameCodec.Write(header, new FrameHeader(FrameKind.Reduce, 1, false, 0, 0, 0, 1, 0, Count, key.Length, HasTraceContext: true));
                        var context = new byte[FrameCodec.TraceContextSize];
                        FrameCodec.WriteTraceContext(context, new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
                        if (hostile == "bad trace flags") context[24] = 0x80;
                        if (hostile == "zero trace id") context.AsSpan(0, 16).Clear();
                        // Cut short: the key alone, read as the start of a context whose rest never comes.
                        key = hostile == "trace context cut short" ? key : [.. context, .. key];
                        break;
                }

                await peer.SendRawAsync(header);
                await peer.SendRawAsync(key);
                if (hostile == "cut short") await peer.SendRawAsync(new byte[10]);
                peer.ShutdownSend();

                // The server closes its end: the read sees the end of the stream, not an answer.
                Assert.Equal(0, await peer.ReadToEndAsync());
            }

            await using var next = await RawPeer.ConnectAsync(endpoint);
            await next.SendReduceAsync(9, shard.GetPrimaryKeyString(), step: 0, new float[Count]);
            Assert.Equal(FrameKind.Answer, (await next.ReadFrameAsync()).Header.Kind);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }
}
