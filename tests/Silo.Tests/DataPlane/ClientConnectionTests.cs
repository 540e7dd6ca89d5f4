using System.Net.Sockets;
using System.Runtime.InteropServices;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Hosting;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>A worker's connection against a data plane played by hand on a local socket, for what a real silo never does.</summary>
public sealed class ClientConnectionTests
{
    private const string Key = "job/0";

    [Fact]
    public async Task ConnectAsync_PeerThatDropsTheRegionOffer_ReconnectsWithoutARegionAndSendsChunksWhole()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "abstract sockets and shared regions exist on Linux only");
        var token = TestContext.Current.CancellationToken;
        using var listener = Listen(out string name);
        var gradient = DataPlaneSilos.Values(50, 100);
        var serving = Task.Run(
            async () =>
            {
                // A silo that predates regions: a MapRegion frame is outside its protocol, so it drops the connection.
                using (var first = await listener.AcceptAsync(token))
                await using (var offered = new NetworkStream(first))
                    Assert.Equal(FrameKind.MapRegion, (await ReadFrameAsync(offered, token)).Header.Kind);

                using var second = await listener.AcceptAsync(token);
                await using var stream = new NetworkStream(second);
                var (frame, floats) = await ReadFrameAsync(stream, token);
                await AnswerAsync(stream, frame, floats.Select(v => -v).ToArray(), token);
                return frame;
            },
            token);

        await using var connection = await ClientConnection.ConnectAsync("127.0.0.1:9", name, "a hand-played silo", TlsSettings.Disabled, 1 << 20, token);
        var answer = await connection.ReduceAsync(Key, FrameCodec.EncodeKey(Key), Contribution(gradient), new float[100], 0, TimeSpan.FromSeconds(30), token);

        Assert.True(connection.IsLocal);
        Assert.False(connection.IsShared);
        Assert.False((await serving).Shared);
        Assert.Equal(gradient.Select(v => -v), answer.ToArray());
    }

    [Fact]
    public async Task ReduceAsync_CancelledWhileWaitingToWriteItsFrame_FreesItsSlotForTheNextChunk()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "abstract sockets and shared regions exist on Linux only");
        var token = TestContext.Current.CancellationToken;
        using var listener = Listen(out string name);
        const int small = 1000;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = Task.Run(
            async () =>
            {
                using var socket = await listener.AcceptAsync(token);
                await using var stream = new NetworkStream(socket);
                var (offer, payload) = await ReadRawAsync(stream, token);
                var (path, bytes) = FrameCodec.DecodeRegion(payload);
                var region = SharedRegion.Open(path, bytes);
                await WriteAsync(stream, new FrameHeader(FrameKind.RegionMapped, offer.RequestId, false, 0, 0, 0, 0, 0, 0, 0), [], token);
                // Nothing is read until the test says so: the big chunk's write fills the socket and holds the write lock.
                await release.Task.WaitAsync(token);
                var (big, bigFloats) = await ReadFrameAsync(stream, token);
                await AnswerAsync(stream, big, bigFloats, token);
                var (next, _) = await ReadFrameAsync(stream, token);
                if (next.Shared)
                {
                    var slot = new float[small];
                    region.Read(0, slot);
                    region.Write(0, slot.Select(v => -v).ToArray());
                    await WriteAsync(stream, new FrameHeader(FrameKind.Answer, next.RequestId, false, 0, 0, 0, 0, 0, small, 0, Shared: true), [], token);
                }

                return next;
            },
            token);
        // Room for one small chunk: the big one goes over the socket.
        await using var connection = await ClientConnection.ConnectAsync("127.0.0.1:9", name, "a hand-played silo", TlsSettings.Disabled, 4096 * sizeof(float), token);
        Assert.True(connection.IsShared);

        var bigChunk = connection.ReduceAsync(Key, FrameCodec.EncodeKey(Key), Contribution(new float[GradientChunks.Floats]), new float[GradientChunks.Floats], 0, TimeSpan.FromSeconds(30), token);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(token);
        var cancelled = connection.ReduceAsync(Key, FrameCodec.EncodeKey(Key), Contribution(new float[small]), new float[small], 0, TimeSpan.FromSeconds(30), giveUp.Token);
        await Task.Delay(200, token);
        Assert.False(cancelled.IsCompleted, "the small chunk should wait behind the big one's write");
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var gradient = DataPlaneSilos.Values(51, small);
        var next = connection.ReduceAsync(Key, FrameCodec.EncodeKey(Key), Contribution(gradient), new float[small], 0, TimeSpan.FromSeconds(30), token);
        release.SetResult();

        await bigChunk;
        var answer = await next;

        Assert.True((await serving).Shared, "the cancelled chunk's slot was not freed: the next chunk found none");
        Assert.Equal(gradient.Select(v => -v), answer.ToArray());
    }

    private static Socket Listen(out string name)
    {
        name = LocalSockets.NewName();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(LocalSockets.EndPoint(name));
        listener.Listen(4);
        return listener;
    }

    private static GradientContribution Contribution(float[] gradient) => new(0, 0, 0, 1, FloatBlock.From(gradient));

    // A worker's frame: its header, then what follows it (trace context, slot, key) and its floats unless shared.
    private static async Task<(FrameHeader Header, float[] Floats)> ReadFrameAsync(Stream stream, CancellationToken token)
    {
        var header = new byte[FrameCodec.HeaderSize];
        await stream.ReadExactlyAsync(header, token);
        var frame = FrameCodec.Read(header);
        if (frame.Kind != FrameKind.Reduce) return (frame, []);
        await stream.ReadExactlyAsync(new byte[FrameCodec.ExtraSize(frame)], token);
        if (frame.Shared) return (frame, []);
        var floats = new byte[frame.Count * sizeof(float)];
        await stream.ReadExactlyAsync(floats, token);
        return (frame, MemoryMarshal.Cast<byte, float>(floats).ToArray());
    }

    private static async Task<(FrameHeader Header, byte[] Payload)> ReadRawAsync(Stream stream, CancellationToken token)
    {
        var header = new byte[FrameCodec.HeaderSize];
        await stream.ReadExactlyAsync(header, token);
        var frame = FrameCodec.Read(header);
        var payload = new byte[frame.Count];
        await stream.ReadExactlyAsync(payload, token);
        return (frame, payload);
    }

    private static Task AnswerAsync(Stream stream, FrameHeader request, float[] values, CancellationToken token) =>
        WriteAsync(stream, new FrameHeader(FrameKind.Answer, request.RequestId, false, 0, 0, 0, 0, 0, values.Length, 0), MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), token);

    private static async Task WriteAsync(Stream stream, FrameHeader frame, byte[] payload, CancellationToken token)
    {
        var header = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(header, frame);
        await stream.WriteAsync(header, token);
        if (payload.Length > 0) await stream.WriteAsync(payload, token);
    }
}
