using System.Buffers;
using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// One accepted data-plane connection: reads <see cref="FrameKind.Reduce"/> frames one after the other, hands each
/// chunk to its shard (a method call on the shard's activation in this silo, <see cref="LocalShards"/>, on the thread
/// that read it; a grain call inside this silo when it has none, the block passed by reference as it is
/// <c>[Immutable]</c>; either way the shard's <c>ReduceAsync</c> and all its checks run as for any caller) and writes
/// each answer back as it comes, in whatever order the shards answer: started by the shard itself as it applies the
/// chunk (<see cref="OwedAnswers"/>), or, when it did not, from the call's result. Any frame outside the protocol drops
/// the connection.
/// A co-located worker may offer a <see cref="SharedRegion"/> first (<see cref="FrameKind.MapRegion"/>, on the local
/// socket only, and only when <paramref name="mapsRegions"/>): its shared chunks are then read in place from the
/// region, without a copy, and their answers written over the same slots.
/// </summary>
internal sealed partial class ServerConnection(
    Stream stream, IGrainFactory grains, LocalShards shards, OwedAnswers answers, ILogger logger, string peer, bool mapsRegions = false) : IAsyncDisposable
{
    /// <summary>
    /// Chunks of one connection waiting for their shards at once. A shard answers only once every chunk of every rank
    /// is in, so the cap must exceed the chunks one worker sends to one silo in a step (all its parameters, at worst:
    /// 4096 chunks = 2G floats) or the connection would stall behind its own step. What a peer makes the silo hold is
    /// bounded anyway by the bytes it really sent: the next header is read only once a chunk's floats are all in, so a
    /// connection holds what its peer sent plus at most one chunk.
    /// </summary>
    public const int MaxInFlight = 4096;

    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();

    // The peer's region once mapped. Shared chunks are memory over it, which keeps it mapped while a shard holds one.
    private SharedRegion? _region;

    /// <summary>Reads and dispatches frames until the peer closes, a frame breaks the protocol or the server stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
        var token = linked.Token;
        var header = new byte[FrameCodec.HeaderSize];
        // The trace context, when the frame has one, then the key.
        var extra = new byte[FrameCodec.TraceContextSize + FrameCodec.MaxKeyBytes];
        try
        {
            while (true)
            {
                if (!await ReadHeaderAsync(header, token)) return;
                var frame = FrameCodec.Read(header);
                if (frame.Kind == FrameKind.MapRegion)
                {
                    await MapRegionAsync(frame, token);
                    continue;
                }

                if (frame.Kind != FrameKind.Reduce) throw new DataPlaneProtocolException($"data plane: a silo accepts only reduce and region frames, got {frame.Kind}");
                int extraSize = FrameCodec.ExtraSize(frame);
                await stream.ReadExactlyAsync(extra.AsMemory(0, extraSize), token);
                var parent = frame.HasTraceContext ? FrameCodec.ReadTraceContext(extra) : default;
                string shardKey = FrameCodec.DecodeKey(extra.AsSpan(extraSize - frame.KeyLength, frame.KeyLength));
                if (frame.Shared)
                {
                    var region = _region ?? throw new DataPlaneProtocolException("data plane: a shared chunk on a connection without a region");
                    int slot = FrameCodec.ReadSharedOffset(extra.AsSpan(FrameCodec.SharedOffsetPosition(frame)), frame.Count, region.Floats);
                    await _inFlight.WaitAsync(token);
                    _ = HandleAsync(frame, parent, shardKey, FloatBlock.Over(region.Memory.Slice(slot, frame.Count)), null, slot);
                    continue;
                }

                await _inFlight.WaitAsync(token);
                // Pooled: a chunk array goes back to the pool once its shard answered (never after a failure, when the
                // shard may still hold the block).
                var values = ArrayPool<float>.Shared.Rent(frame.Count);
                try
                {
                    await stream.ReadExactlyAsync(FloatBytes.Of(values, 0, frame.Count), token);
                }
                catch
                {
                    Return(values);
                    _inFlight.Release();
                    throw;
                }

                _ = HandleAsync(frame, parent, shardKey, FloatBlock.Wrap(values, 0, frame.Count), values, -1);
            }
        }
        catch (DataPlaneProtocolException e)
        {
            LogRefused(logger, peer, e.Message);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The peer went away or the server stops: its waiting chunks fail on their own (their answers cannot be written).
        }
        finally
        {
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_closed.IsCancellationRequested) return;
        _closed.Cancel();
        await stream.DisposeAsync();
    }

    // Maps the region a co-located worker offers, once per connection, and says whether it did. A region the silo cannot
    // or will not map is answered with an error, after which the worker sends its chunks whole; only a malformed frame
    // (or a second offer) breaks the protocol.
    private async Task MapRegionAsync(FrameHeader frame, CancellationToken token)
    {
        var payload = new byte[frame.Count];
        await stream.ReadExactlyAsync(payload, token);
        var (path, bytes) = FrameCodec.DecodeRegion(payload);
        if (_region is not null) throw new DataPlaneProtocolException("data plane: a second region offered on one connection");
        string? refusal = null;
        if (!mapsRegions)
        {
            refusal = "this silo maps no shared regions (Autograd:DataPlaneSharedMemoryMiB=0, or not over its local socket)";
        }
        else
        {
            try
            {
                _region = SharedRegion.Open(path, bytes);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                refusal = $"cannot map the shared region: {e.Message}";
            }
        }

        if (refusal is null)
        {
            await WriteFrameAsync(new FrameHeader(FrameKind.RegionMapped, frame.RequestId, false, 0, 0, 0, 0, 0, 0, 0), ReadOnlyMemory<byte>.Empty);
            return;
        }

        LogRegionRefused(logger, peer, refusal);
        await WriteErrorAsync(frame.RequestId, refusal);
    }

    // False at a clean end of stream between frames.
    private async Task<bool> ReadHeaderAsync(byte[] header, CancellationToken token)
    {
        int read = await stream.ReadAtLeastAsync(header, FrameCodec.HeaderSize, throwOnEndOfStream: false, token);
        if (read == 0) return false;
        if (read < FrameCodec.HeaderSize) throw new EndOfStreamException();
        return true;
    }

    // pooled: the array under the chunk, rented for its floats off the socket (null for a shared chunk); slot: where a
    // shared chunk lies in the region (-1 for none).
    private async Task HandleAsync(FrameHeader frame, ActivityContext parent, string shardKey, FloatBlock gradient, float[]? pooled, int slot)
    {
        bool answered = false;
        Activity? span = null;
        // The shard starts the answer's write itself when it applies the chunk (see OwedAnswers); else it is written below.
        using var owed = answers.Expect(shardKey, frame.Step, frame.Rank, frame.Offset, values => WriteAnswerAsync(frame, slot, shardKey, values));
        try
        {
            FloatBlock answer;
            try
            {
                var contribution = new GradientContribution(frame.Step, frame.Epoch, frame.Rank, frame.Samples, gradient, frame.NonFinite, frame.Offset);
                Task<FloatBlock> reducing;
                // The sender's context is current only while the call starts (Orleans reads it then): the call carries it to the shard.
                var previous = Activity.Current;
                try
                {
                    if (frame.HasTraceContext) span = DataPlaneTelemetry.StartReduce(parent, shardKey, frame, peer);
                    // The shard's activation in this silo takes the chunk on this thread (LocalShards); else a grain call.
                    reducing = (shards.Find(shardKey) ?? grains.GetGrain<IParameterShardGrain>(shardKey)).ReduceAsync(contribution);
                }
                finally
                {
                    Activity.Current = previous;
                }

                answer = await reducing;
                answered = true;
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                await WriteErrorAsync(frame.RequestId, $"{e.GetType().Name}: {e.Message}");
                return;
            }

            await (owed?.Sent ?? WriteAnswerAsync(frame, slot, shardKey, answer.Memory));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The connection is gone: the worker's side fails the chunk when its read fails.
            await DisposeAsync();
        }
        finally
        {
            StopSpan(span);
            if (answered && pooled is not null) Return(pooled);
            _inFlight.Release();
        }
    }

    // Stopping an activity makes its predecessor current again: done here, that is this call's own (already restored) context.
    private static void StopSpan(Activity? span)
    {
        if (span is null) return;
        var current = Activity.Current;
        span.Stop();
        Activity.Current = current;
    }

    // Rent(0) hands out the shared empty array, which is not the pool's to take back.
    private static void Return(float[] values)
    {
        if (values.Length > 0) ArrayPool<float>.Shared.Return(values);
    }

    // The shard's answer to the chunk of <frame>, or an error when it does not fit the chunk. A shared chunk's answer is
    // written over its slot (the shard has averaged the chunk by then) and only the header follows on the socket.
    private Task WriteAnswerAsync(FrameHeader frame, int slot, string shardKey, ReadOnlyMemory<float> values)
    {
        if (values.Length != frame.Count) return WriteErrorAsync(frame.RequestId, $"shard {shardKey} answered {values.Length} floats for a chunk of {frame.Count}");
        var answer = new FrameHeader(FrameKind.Answer, frame.RequestId, false, 0, 0, 0, 0, 0, values.Length, 0, Shared: frame.Shared);
        if (!frame.Shared) return WriteFrameAsync(answer, FloatBytes.Of(values));
        _region!.Write(slot, values.Span);
        return WriteFrameAsync(answer, ReadOnlyMemory<byte>.Empty);
    }

    private Task WriteErrorAsync(uint requestId, string message)
    {
        var text = FrameCodec.EncodeError(message);
        return WriteFrameAsync(new FrameHeader(FrameKind.Error, requestId, false, 0, 0, 0, 0, 0, text.Length, 0), text);
    }

    private async Task WriteFrameAsync(FrameHeader frame, ReadOnlyMemory<byte> payload)
    {
        var header = new byte[FrameCodec.HeaderSize];
        FrameCodec.Write(header, frame);
        // Not resumed on the caller's scheduler: a shard starts answers from whatever thread applies the chunk (OwedAnswers).
        await _writeLock.WaitAsync(_closed.Token).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(header, _closed.Token).ConfigureAwait(false);
            if (!payload.IsEmpty) await stream.WriteAsync(payload, _closed.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data plane: {Peer} sends its chunks over the socket: {Reason}")]
    private static partial void LogRegionRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane: dropped the connection from {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string peer, string reason);
}
