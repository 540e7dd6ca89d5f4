using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// A worker silo's connection to one remote silo's data plane, shared by all its chunks to that silo: requests are
/// written one whole frame at a time, answers are read by one loop in whatever order the shards give them and matched
/// by request id, each read straight into the array its caller named. A broken connection fails every chunk waiting
/// on it at once (a killed silo's socket resets immediately) and is never used again.
/// Over a local socket the connection first offers the peer a <see cref="SharedRegion"/>; once the peer mapped it, a
/// chunk is copied into a free slot of it (<see cref="SharedSlots"/>), only its header goes over the socket, and the
/// peer writes the answer over the same slot, from which it is copied into the caller's array. A chunk that finds no
/// free slot goes over the socket whole, as every chunk does on TCP.
/// </summary>
internal sealed class ClientConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, Pending> _pending = new();

    // Slots of chunks whose callers gave up waiting: free only once their answer or error came back, since until then
    // the peer may still read or write them.
    private readonly ConcurrentDictionary<uint, Slot> _abandoned = new();
    private readonly SharedRegion? _region;
    private readonly SharedSlots? _slots;
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _reading;
    private Exception? _failure;
    private int _nextId;

    private ClientConnection(string where, Stream stream, bool isLocal, SharedRegion? region = null)
    {
        Where = where;
        IsLocal = isLocal;
        _stream = stream;
        _region = region;
        _slots = region is null ? null : new SharedSlots(region.Floats);
        _reading = ReadLoopAsync();
    }

    /// <summary>Whether the connection runs over the remote data plane's local socket rather than TCP.</summary>
    public bool IsLocal { get; }

    /// <summary>Whether the peer mapped this connection's shared region, so chunks that find a free slot skip the socket.</summary>
    public bool IsShared => _region is not null;

    /// <summary>The remote data plane as failures name it: the endpoint and, when known, its silo.</summary>
    public string Where { get; }

    /// <summary>False once the connection failed or was closed.</summary>
    public bool IsOpen => _failure is null;

    /// <summary>
    /// Connects to the data plane at <paramref name="endpoint"/>, through its local socket <paramref name="localEndpoint"/>
    /// when there is one and it answers (only a silo in this network namespace can), and authenticates with
    /// <paramref name="tls"/> when it is on, on either; failures name it <paramref name="where"/>. Locally, a region of
    /// <paramref name="sharedBytes"/> bytes (0: none) is offered to the peer for the chunks and answers to cross in.
    /// </summary>
    public static async Task<ClientConnection> ConnectAsync(
        string endpoint, string? localEndpoint, string where, TlsSettings tls, long sharedBytes, CancellationToken cancellationToken)
    {
        if (localEndpoint is not null && await TryConnectLocallyAsync(localEndpoint, cancellationToken) is { } local)
        {
            var stream = await DataPlaneStreams.ConnectAsync(local, tls, cancellationToken);
            if (sharedBytes <= 0 || SharedRegion.TryCreate(sharedBytes, out _) is not { } region) return new ClientConnection(where, stream, isLocal: true);
            try
            {
                if (await OfferRegionAsync(stream, region, cancellationToken)) return new ClientConnection(where, stream, isLocal: true, region);
            }
            catch (Exception e) when (e is IOException or EndOfStreamException)
            {
                // A peer that predates regions drops the connection at the unknown frame: a fresh one without.
                await stream.DisposeAsync();
                if (await TryConnectLocallyAsync(localEndpoint, cancellationToken) is not { } again) throw;
                return new ClientConnection(where, await DataPlaneStreams.ConnectAsync(again, tls, cancellationToken), isLocal: true);
            }
            catch
            {
                await stream.DisposeAsync();
                throw;
            }
            finally
            {
                SharedRegion.Remove(region.Path);
            }

            return new ClientConnection(where, stream, isLocal: true);
        }

        var address = IPEndPoint.Parse(endpoint);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ClientConnection(where, await DataPlaneStreams.ConnectAsync(socket, tls, cancellationToken), isLocal: false);
    }

    // True when the peer mapped the region; false when it answered that it cannot (another mount namespace, its shared
    // memory off, /dev/shm of its own): the connection then carries every chunk whole.
    private static async Task<bool> OfferRegionAsync(Stream stream, SharedRegion region, CancellationToken cancellationToken)
    {
        var payload = FrameCodec.EncodeRegion(region.Path, region.Bytes);
        var frame = new byte[FrameCodec.HeaderSize + payload.Length];
        FrameCodec.Write(frame, new FrameHeader(FrameKind.MapRegion, 0, false, 0, 0, 0, 0, 0, payload.Length, 0));
        payload.CopyTo(frame, FrameCodec.HeaderSize);
        await stream.WriteAsync(frame, cancellationToken);
        var header = new byte[FrameCodec.HeaderSize];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var reply = FrameCodec.Read(header);
        switch (reply.Kind)
        {
            case FrameKind.RegionMapped:
                return true;
            case FrameKind.Error:
                await stream.ReadExactlyAsync(new byte[reply.Count], cancellationToken);
                return false;
            default:
                throw new DataPlaneProtocolException($"data plane: a region offer answered by a {reply.Kind} frame");
        }
    }

    // No such socket here (another host, another pod) or nobody listening on it (a silo killed since it reported it):
    // TCP then, which reports an unreachable silo as it always has.
    private static async Task<Socket?> TryConnectLocallyAsync(string localEndpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(LocalSockets.EndPoint(localEndpoint), cancellationToken);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="contribution"/> for the shard <paramref name="shardKey"/> and reads the answer into
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/>; returns a block over that range.
    /// </summary>
    /// <exception cref="DataPlaneException">The shard failed the chunk, or <paramref name="timeout"/> passed.</exception>
    /// <exception cref="Orleans.Runtime.SiloUnavailableException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<FloatBlock> ReduceAsync(
        string shardKey, byte[] key, GradientContribution contribution, float[] destination, int destinationOffset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        int count = contribution.Gradient.Count;
        uint id = unchecked((uint)Interlocked.Increment(ref _nextId));
        // The sender's trace context rides with the chunk, as Orleans carries it on a grain call (none when nobody listens).
        var trace = DataPlaneTelemetry.Outgoing();
        bool traced = trace != default;
        // In the shared region when a slot is free: only the header then goes over the socket.
        var slot = count > 0 && _slots is { } slots && slots.TryRent(count, out int at) ? new Slot(at, count) : default;
        bool shared = slot.Count > 0;
        if (shared) _region!.Write(slot.Offset, contribution.Gradient.Span);
        var frame = new FrameHeader(
            FrameKind.Reduce, id, contribution.NonFinite, contribution.Step, contribution.Epoch, contribution.Rank, contribution.Samples, contribution.Offset, count, key.Length, traced, shared);
        var header = new byte[FrameCodec.HeaderSize + FrameCodec.ExtraSize(frame)];
        FrameCodec.Write(header, frame);
        if (traced) FrameCodec.WriteTraceContext(header.AsSpan(FrameCodec.HeaderSize), trace);
        if (shared) FrameCodec.WriteSharedOffset(header.AsSpan(FrameCodec.HeaderSize + FrameCodec.SharedOffsetPosition(frame)), slot.Offset);
        key.CopyTo(header, header.Length - key.Length);
        var pending = new Pending(shardKey, destination, destinationOffset, count, slot);
        _pending[id] = pending;
        if (_failure is { } failed)
        {
            _pending.TryRemove(id, out _);
            throw Failed(shardKey, failed);
        }

        // A chunk without an answer for the whole response timeout means a hung peer: the connection is dropped, which
        // fails every chunk on it (and frees a write stuck on a full socket buffer).
        using var timer = new CancellationTokenSource(timeout);
        using var onTimeout = timer.Token.Register(() => Fail(new TimeoutException($"no answer within {timeout.TotalSeconds:F0} s")));
        using var onCancel = cancellationToken.Register(() => Abandon(id, new OperationCanceledException(cancellationToken)));
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token, cancellationToken))
        {
            try
            {
                await _writeLock.WaitAsync(waiting.Token);
            }
            catch (OperationCanceledException)
            {
                _pending.TryRemove(id, out _);
                // Never sent, so the peer never saw the slot: free at once (and not left to an answer that cannot come).
                _abandoned.TryRemove(id, out _);
                if (shared) _slots!.Return(slot.Offset, slot.Count);
                cancellationToken.ThrowIfCancellationRequested();
                throw Failed(shardKey, _failure!);
            }
        }

        try
        {
            // Not cancellable once started: half a frame would break the stream for every other chunk on it.
            await _stream.WriteAsync(header, _closed.Token);
            if (count > 0 && !shared) await _stream.WriteAsync(FloatBytes.Of(contribution.Gradient.Memory), _closed.Token);
        }
        catch (Exception e)
        {
            Fail(e);
        }
        finally
        {
            _writeLock.Release();
        }

        return await pending.Answer.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(ClientConnection), "the data-plane connection was closed"));
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        var header = new byte[FrameCodec.HeaderSize];
        byte[]? discard = null;
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header, _closed.Token);
                var frame = FrameCodec.Read(header);
                _pending.TryRemove(frame.RequestId, out var pending);
                if (pending is null && _abandoned.TryRemove(frame.RequestId, out var given)) _slots!.Return(given.Offset, given.Count);
                switch (frame.Kind)
                {
                    case FrameKind.Answer when pending is null && frame.Shared:
                        break;
                    case FrameKind.Answer when pending is null:
                        // Abandoned (timed out or cancelled): its floats are read past.
                        discard ??= new byte[64 * 1024];
                        for (long left = (long)frame.Count * sizeof(float); left > 0; left -= discard.Length)
                            await _stream.ReadExactlyAsync(discard.AsMemory(0, (int)Math.Min(left, discard.Length)), _closed.Token);
                        break;
                    case FrameKind.Answer:
                        if (frame.Count != pending.Count)
                            throw new DataPlaneProtocolException($"data plane: {frame.Count} floats answered for a chunk of {pending.Count} of shard {pending.ShardKey}");
                        if (frame.Shared != pending.Slot.Count > 0)
                            throw new DataPlaneProtocolException($"data plane: a chunk of shard {pending.ShardKey} sent {(frame.Shared ? "over the socket" : "in the shared region")} was answered {(frame.Shared ? "in the shared region" : "over the socket")}");
                        if (frame.Shared)
                        {
                            // The peer wrote the answer over the slot before it sent this header.
                            _region!.Read(pending.Slot.Offset, pending.Destination.AsSpan(pending.Offset, pending.Count));
                            _slots!.Return(pending.Slot.Offset, pending.Slot.Count);
                        }
                        else
                        {
                            await _stream.ReadExactlyAsync(FloatBytes.Of(pending.Destination, pending.Offset, pending.Count), _closed.Token);
                        }

                        pending.Answer.TrySetResult(FloatBlock.Wrap(pending.Destination, pending.Offset, pending.Count));
                        break;
                    case FrameKind.Error:
                        var text = new byte[frame.Count];
                        await _stream.ReadExactlyAsync(text, _closed.Token);
                        if (pending?.Slot is { Count: > 0 } failed) _slots!.Return(failed.Offset, failed.Count);
                        pending?.Answer.TrySetException(new DataPlaneException(pending.ShardKey, Where, System.Text.Encoding.UTF8.GetString(text)));
                        break;
                    default:
                        throw new DataPlaneProtocolException($"data plane: a worker accepts only answers and errors, got {frame.Kind}");
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void Abandon(uint id, Exception reason)
    {
        // Noted before the chunk leaves _pending, so the read loop, which looks there first, always finds one of the two.
        if (_pending.TryGetValue(id, out var waiting) && waiting.Slot.Count > 0) _abandoned[id] = waiting.Slot;
        if (_pending.TryRemove(id, out var pending)) pending.Answer.TrySetException(reason);
        else _abandoned.TryRemove(id, out _);
    }

    private void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is null)
        {
            _closed.Cancel();
            _stream.Dispose();
        }

        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var pending)) pending.Answer.TrySetException(Failed(pending.ShardKey, _failure!));
    }

    // A hung peer (no answer within the response timeout) is a failed chunk; a broken connection is an unreachable silo.
    private Exception Failed(string shardKey, Exception reason) => reason switch
    {
        TimeoutException => new DataPlaneException(shardKey, Where, reason.Message, reason),
        EndOfStreamException => DataPlaneUnreachable.Create(shardKey, Where, "the connection was closed by the peer"),
        _ => DataPlaneUnreachable.Create(shardKey, Where, $"the connection failed: {reason.Message}"),
    };

    /// <summary>A chunk's place in the shared region (Count 0: none, it went over the socket).</summary>
    private readonly record struct Slot(int Offset, int Count);

    private sealed class Pending(string shardKey, float[] destination, int offset, int count, Slot slot)
    {
        public Slot Slot { get; } = slot;

        public string ShardKey { get; } = shardKey;

        public float[] Destination { get; } = destination;

        public int Offset { get; } = offset;

        public int Count { get; } = count;

        public TaskCompletionSource<FloatBlock> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
