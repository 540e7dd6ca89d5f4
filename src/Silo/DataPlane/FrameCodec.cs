using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The data plane's wire format: a fixed <see cref="HeaderSize"/>-byte little-endian header (magic, version, kind,
/// flags, request id, step, epoch, rank, samples, offset, count, key length, reserved), then for a
/// <see cref="FrameKind.Reduce"/> frame its sender's W3C trace context when the header's trace-context flag is set
/// (<see cref="TraceContextSize"/> bytes: trace id, span id, trace flags), its slot in the shared region when the
/// shared flag is set (<see cref="SharedOffsetSize"/> bytes) and the shard's key, then the payload (raw float bytes
/// unless the floats are in the shared region, an error's UTF-8 text, or a region's size and path).
/// <see cref="Read"/> and <see cref="ReadTraceContext"/> check every field against hard limits before anyone allocates
/// what a header claims: a peer can make a silo hold at most <see cref="GradientChunks.Floats"/> floats per frame.
/// </summary>
public static class FrameCodec
{
    /// <summary>Bytes of the fixed header.</summary>
    public const int HeaderSize = 44;

    /// <summary>"AGDP" read as a little-endian uint32.</summary>
    public const uint Magic = 0x50444741;

    /// <summary>The protocol version this build speaks; a peer with another version is refused.</summary>
    public const ushort Version = 1;

    /// <summary>The longest shard key a frame may carry, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 512;

    /// <summary>The longest error text a frame may carry, in UTF-8 bytes (longer messages are cut).</summary>
    public const int MaxErrorBytes = 16 * 1024;

    /// <summary>
    /// Bytes of the trace context that follows the header of a <see cref="FrameKind.Reduce"/> frame whose
    /// <see cref="FrameHeader.HasTraceContext"/> is set: the W3C trace id (16), parent span id (8) and trace flags (1).
    /// </summary>
    public const int TraceContextSize = 25;

    /// <summary>
    /// Bytes of the slot offset (int32: floats from the start of the connection's shared region) that follows the trace
    /// context of a <see cref="FrameKind.Reduce"/> frame whose <see cref="FrameHeader.Shared"/> is set.
    /// </summary>
    public const int SharedOffsetSize = 4;

    /// <summary>The longest region path a <see cref="FrameKind.MapRegion"/> frame may carry, in UTF-8 bytes.</summary>
    public const int MaxRegionPathBytes = 255;

    private const byte NonFiniteFlag = 1;

    // Version 1 frames without it are unchanged; a peer that predates the flag refuses a frame carrying it.
    private const byte TraceContextFlag = 2;

    // Set only by peers that mapped a shared region on this connection, which an older peer never answers.
    private const byte SharedFlag = 4;

    private const byte ReduceFlags = NonFiniteFlag | TraceContextFlag | SharedFlag;

    private const byte AnswerFlags = SharedFlag;

    /// <summary>Writes <paramref name="header"/> into the first <see cref="HeaderSize"/> bytes of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, in FrameHeader header)
    {
        if (destination.Length < HeaderSize) throw new ArgumentException($"FrameCodec: a header needs {HeaderSize} bytes, got {destination.Length}", nameof(destination));
        if ((header.NonFinite || header.HasTraceContext) && header.Kind != FrameKind.Reduce)
            throw new ArgumentException($"FrameCodec: only a reduce frame carries these flags, not a {header.Kind} frame", nameof(header));
        if (header.Shared && header.Kind is not (FrameKind.Reduce or FrameKind.Answer))
            throw new ArgumentException($"FrameCodec: only a reduce or an answer frame is shared, not a {header.Kind} frame", nameof(header));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        destination[6] = (byte)header.Kind;
        destination[7] = (byte)((header.NonFinite ? NonFiniteFlag : 0) | (header.HasTraceContext ? TraceContextFlag : 0) | (header.Shared ? SharedFlag : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], header.RequestId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[12..], header.Step);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], header.Epoch);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], header.Rank);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], header.Samples);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], header.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[36..], header.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[40..], checked((ushort)header.KeyLength));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[42..], 0);
    }

    /// <summary>Reads and checks a header: magic, version, kind, flags, and the count and key length against the limits of its kind.</summary>
    /// <exception cref="DataPlaneProtocolException">A field is outside the protocol; the message names it.</exception>
    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < HeaderSize) throw new DataPlaneProtocolException($"data plane: a header needs {HeaderSize} bytes, got {source.Length}");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (magic != Magic) throw new DataPlaneProtocolException($"data plane: bad magic 0x{magic:x8} (expected 0x{Magic:x8})");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != Version) throw new DataPlaneProtocolException($"data plane: version {version} is not {Version}");
        var kind = (FrameKind)source[6];
        if (kind is not (FrameKind.Reduce or FrameKind.Answer or FrameKind.Error or FrameKind.MapRegion or FrameKind.RegionMapped))
            throw new DataPlaneProtocolException($"data plane: unknown frame kind {source[6]}");
        byte flags = source[7];
        byte allowed = kind switch { FrameKind.Reduce => ReduceFlags, FrameKind.Answer => AnswerFlags, _ => 0 };
        if ((flags & ~allowed) != 0) throw new DataPlaneProtocolException($"data plane: flags 0x{flags:x2} are not valid on a {kind} frame");
        int count = BinaryPrimitives.ReadInt32LittleEndian(source[36..]);
        int limit = kind switch
        {
            FrameKind.Error => MaxErrorBytes,
            FrameKind.MapRegion => sizeof(long) + MaxRegionPathBytes,
            FrameKind.RegionMapped => 0,
            _ => GradientChunks.Floats,
        };
        if (count < 0 || count > limit) throw new DataPlaneProtocolException($"data plane: a {kind} frame of {count} (the limit is {limit})");
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(source[40..]);
        if (kind == FrameKind.Reduce ? keyLength is 0 or > MaxKeyBytes : keyLength != 0)
            throw new DataPlaneProtocolException($"data plane: key length {keyLength} on a {kind} frame (a reduce needs 1-{MaxKeyBytes}, others 0)");
        if (BinaryPrimitives.ReadUInt16LittleEndian(source[42..]) != 0) throw new DataPlaneProtocolException("data plane: reserved header bytes are not zero");
        return new FrameHeader(
            kind,
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            (flags & NonFiniteFlag) != 0,
            BinaryPrimitives.ReadInt64LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[32..]),
            count,
            keyLength,
            (flags & TraceContextFlag) != 0,
            (flags & SharedFlag) != 0);
    }

    /// <summary>Bytes between the header and the payload: the trace context, the shared slot's offset, if any, and the shard's key.</summary>
    public static int ExtraSize(in FrameHeader header) =>
        (header.HasTraceContext ? TraceContextSize : 0) + (header.Shared && header.Kind == FrameKind.Reduce ? SharedOffsetSize : 0) + header.KeyLength;

    /// <summary>Where a shared reduce frame's slot offset starts in the bytes after its header.</summary>
    public static int SharedOffsetPosition(in FrameHeader header) => header.HasTraceContext ? TraceContextSize : 0;

    /// <summary>Writes a shared reduce frame's slot offset (floats into the region) at the start of <paramref name="destination"/>.</summary>
    public static void WriteSharedOffset(Span<byte> destination, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination, offset);
    }

    /// <summary>
    /// Reads a shared reduce frame's slot offset and checks that its <paramref name="count"/> floats lie within a region
    /// of <paramref name="regionFloats"/> floats.
    /// </summary>
    /// <exception cref="DataPlaneProtocolException">The slot is not within the region.</exception>
    public static int ReadSharedOffset(ReadOnlySpan<byte> source, int count, int regionFloats)
    {
        int offset = BinaryPrimitives.ReadInt32LittleEndian(source);
        if (offset < 0 || (long)offset + count > regionFloats)
            throw new DataPlaneProtocolException($"data plane: a shared slot [{offset}, {(long)offset + count}) is not within a region of {regionFloats} floats");
        return offset;
    }

    /// <summary>The payload of a <see cref="FrameKind.MapRegion"/> frame: the region's size, then its path.</summary>
    public static byte[] EncodeRegion(string path, long bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Encoding.UTF8.GetBytes(path);
        if (name.Length is 0 or > MaxRegionPathBytes) throw new ArgumentException($"data plane: region path '{path}' is {name.Length} UTF-8 bytes (1-{MaxRegionPathBytes})", nameof(path));
        var payload = new byte[sizeof(long) + name.Length];
        BinaryPrimitives.WriteInt64LittleEndian(payload, bytes);
        name.CopyTo(payload, sizeof(long));
        return payload;
    }

    /// <summary>A <see cref="FrameKind.MapRegion"/> frame's region: its path (UTF-8) and size.</summary>
    /// <exception cref="DataPlaneProtocolException">The payload is too short or the path is not UTF-8.</exception>
    public static (string Path, long Bytes) DecodeRegion(ReadOnlySpan<byte> payload)
    {
        if (payload.Length <= sizeof(long)) throw new DataPlaneProtocolException($"data plane: a region frame of {payload.Length} bytes names no path");
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload[sizeof(long)..]), BinaryPrimitives.ReadInt64LittleEndian(payload));
        }
        catch (DecoderFallbackException)
        {
            throw new DataPlaneProtocolException("data plane: the region path is not UTF-8");
        }
    }

    /// <summary>
    /// Writes the W3C trace context <paramref name="context"/> (a valid one: non-zero trace and span ids) into the first
    /// <see cref="TraceContextSize"/> bytes of <paramref name="destination"/>. Of the trace flags only "sampled" is sent.
    /// </summary>
    public static void WriteTraceContext(Span<byte> destination, in ActivityContext context)
    {
        if (destination.Length < TraceContextSize) throw new ArgumentException($"FrameCodec: a trace context needs {TraceContextSize} bytes, got {destination.Length}", nameof(destination));
        if (context.TraceId == default || context.SpanId == default) throw new ArgumentException("FrameCodec: the trace context has no trace or span id", nameof(context));
        // Exactly 16 and 8 bytes: the ids' CopyTo fills its whole destination.
        context.TraceId.CopyTo(destination[..16]);
        context.SpanId.CopyTo(destination.Slice(16, 8));
        destination[24] = (byte)(context.TraceFlags & ActivityTraceFlags.Recorded);
    }

    /// <summary>
    /// Reads the trace context that follows a header with <see cref="FrameHeader.HasTraceContext"/>: a remote parent.
    /// Checks it before building anything: trace and span ids must not be all zeros (invalid in W3C) and no trace flag
    /// other than "sampled" may be set.
    /// </summary>
    /// <exception cref="DataPlaneProtocolException">The bytes are not a valid trace context; the message says why.</exception>
    public static ActivityContext ReadTraceContext(ReadOnlySpan<byte> source)
    {
        if (source.Length < TraceContextSize) throw new DataPlaneProtocolException($"data plane: a trace context needs {TraceContextSize} bytes, got {source.Length}");
        var traceId = source[..16];
        var spanId = source.Slice(16, 8);
        byte traceFlags = source[24];
        if (!traceId.ContainsAnyExcept((byte)0)) throw new DataPlaneProtocolException("data plane: the trace context's trace id is zero");
        if (!spanId.ContainsAnyExcept((byte)0)) throw new DataPlaneProtocolException("data plane: the trace context's span id is zero");
        if ((traceFlags & ~(byte)ActivityTraceFlags.Recorded) != 0) throw new DataPlaneProtocolException($"data plane: trace flags 0x{traceFlags:x2} are not valid");
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(traceId), ActivitySpanId.CreateFromBytes(spanId), (ActivityTraceFlags)traceFlags, traceState: null, isRemote: true);
    }

    /// <summary>The UTF-8 bytes of a shard key, checked against <see cref="MaxKeyBytes"/>.</summary>
    public static byte[] EncodeKey(string shardKey)
    {
        ArgumentNullException.ThrowIfNull(shardKey);
        var bytes = Encoding.UTF8.GetBytes(shardKey);
        if (bytes.Length is 0 or > MaxKeyBytes) throw new ArgumentException($"data plane: shard key '{shardKey}' is {bytes.Length} UTF-8 bytes (1-{MaxKeyBytes})", nameof(shardKey));
        return bytes;
    }

    /// <summary>A shard key read off the wire: valid UTF-8 of a member key (<c>{job}/{index}</c>).</summary>
    /// <exception cref="DataPlaneProtocolException">The bytes are not UTF-8 or not a member key.</exception>
    public static string DecodeKey(ReadOnlySpan<byte> bytes)
    {
        string key;
        try
        {
            key = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DataPlaneProtocolException("data plane: the shard key is not UTF-8");
        }

        if (!GrainKeys.TryParseMember(key, out _, out _)) throw new DataPlaneProtocolException($"data plane: '{key}' is not a shard key ({{job}}/{{index}})");
        return key;
    }

    /// <summary>An error text as UTF-8, cut to <see cref="MaxErrorBytes"/>.</summary>
    public static byte[] EncodeError(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        return bytes.Length <= MaxErrorBytes ? bytes : bytes[..MaxErrorBytes];
    }
}
