using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>A socket speaking the data-plane protocol by hand.</summary>
internal sealed class RawPeer(Socket socket) : IAsyncDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: false);

    public static async Task<RawPeer> ConnectAsync(string endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(endpoint), TestContext.Current.CancellationToken);
        return new RawPeer(socket);
    }

    /// <summary>Connects to a data plane's local socket, <c>@name</c> in Linux's abstract namespace.</summary>
    public static async Task<RawPeer> ConnectLocallyAsync(string name)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint("\0" + name[1..]), TestContext.Current.CancellationToken);
        return new RawPeer(socket);
    }

    public async Task SendReduceAsync(uint id, string shardKey, long step, float[] gradient, ActivityContext trace = default)
    {
        var key = FrameCodec.EncodeKey(shardKey);
        bool traced = trace != default;
        var header = new byte[FrameCodec.HeaderSize + (traced ? FrameCodec.TraceContextSize : 0)];
        FrameCodec.Write(header, new FrameHeader(FrameKind.Reduce, id, false, step, 0, 0, 1, 0, gradient.Length, key.Length, traced));
        if (traced) FrameCodec.WriteTraceContext(header.AsSpan(FrameCodec.HeaderSize), trace);
        await SendRawAsync(header);
        await SendRawAsync(key);
        await SendRawAsync(MemoryMarshal.AsBytes(gradient.AsSpan()).ToArray());
    }

    /// <summary>Offers the server <paramref name="region"/> as a worker's connection does, and reads its reply.</summary>
    public async Task<(FrameHeader Header, byte[] Payload)> OfferRegionAsync(SharedRegion region, string? path = null)
    {
        var payload = FrameCodec.EncodeRegion(path ?? region.Path, region.Bytes);
        var header = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(header, new FrameHeader(FrameKind.MapRegion, 0, false, 0, 0, 0, 0, 0, payload.Length, 0));
        await SendRawAsync([.. header, .. payload]);
        return await ReadFrameAsync();
    }

    /// <summary>A reduce frame whose <paramref name="count"/> floats are at <paramref name="slot"/> of the region the server mapped.</summary>
    public async Task SendSharedReduceAsync(uint id, string shardKey, long step, int slot, int count, int rank = 0)
    {
        var key = FrameCodec.EncodeKey(shardKey);
        var frame = new FrameHeader(FrameKind.Reduce, id, false, step, 0, rank, 1, 0, count, key.Length, Shared: true);
        var header = new byte[FrameCodec.HeaderSize + FrameCodec.ExtraSize(frame)];
        FrameCodec.Write(header, frame);
        FrameCodec.WriteSharedOffset(header.AsSpan(FrameCodec.HeaderSize), slot);
        key.CopyTo(header, header.Length - key.Length);
        await SendRawAsync(header);
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

    public void ShutdownSend() => socket.Shutdown(SocketShutdown.Send);

    public async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync()
    {
        var header = new byte[FrameCodec.HeaderSize];
        await _stream.ReadExactlyAsync(header, TestContext.Current.CancellationToken);
        var frame = FrameCodec.Read(header);
        // A shared answer's floats are in the region, not on the socket.
        var payload = new byte[frame.Kind switch { FrameKind.Error => frame.Count, FrameKind.Answer when !frame.Shared => frame.Count * sizeof(float), _ => 0 }];
        await _stream.ReadExactlyAsync(payload, TestContext.Current.CancellationToken);
        return (frame, payload);
    }

    /// <summary>Bytes received until the server closed the connection.</summary>
    public async Task<int> ReadToEndAsync()
    {
        int total = 0;
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0) total += read;
        }
        catch (IOException)
        {
            // A reset is a close too.
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        socket.Dispose();
    }
}
