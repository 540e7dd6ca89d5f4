using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Autograd.Serialization;

namespace Autograd.Data;

/// <summary>Element type codes of the IDX format (the third byte of the magic number).</summary>
public enum IdxDataType : byte
{
    UInt8 = 0x08,
    Int8 = 0x09,
    Int16 = 0x0B,
    Int32 = 0x0C,
    Float32 = 0x0D,
    Float64 = 0x0E,
}

/// <summary>
/// One IDX array: its dims (outermost first) and its elements in row-major order, already
/// converted from the file's big-endian to native values. <see cref="Data"/> is a
/// <c>byte[]</c>, <c>sbyte[]</c>, <c>short[]</c>, <c>int[]</c>, <c>float[]</c> or
/// <c>double[]</c> according to <see cref="DataType"/>.
/// </summary>
public sealed record IdxArray
{
    public IdxArray(IdxDataType dataType, int[] dims, Array data)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetType() != IdxReader.ClrType(dataType).MakeArrayType())
            throw new ArgumentException($"Data is {data.GetType().Name}, not the array type of {dataType}.", nameof(data));
        long count = 1;
        foreach (int d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
            count *= d;
        }
        if (count != data.LongLength)
            throw new ArgumentException($"Dims [{string.Join(", ", dims)}] hold {count} elements, data has {data.LongLength}.", nameof(data));
        DataType = dataType;
        Dims = dims;
        Data = data;
    }

    public IdxDataType DataType { get; }
    public int[] Dims { get; }
    public Array Data { get; }
    public long Count => Data.LongLength;

    /// <summary>The elements of a ubyte array (the MNIST type), without copying.</summary>
    public byte[] AsBytes() => Data as byte[]
        ?? throw new InvalidOperationException($"IDX array holds {DataType}, not UInt8.");
}

/// <summary>
/// Reads IDX files (the MNIST format): magic 00 00 TT ND, ND big-endian int32 dims, then the
/// elements big-endian and row-major. Gzip is recognised by its magic bytes (1f 8b), not by the
/// file name, because datasets are shipped both ways under either name.
/// Hostile input (truncated, lying or overflowing dims) throws <see cref="InvalidDataException"/>
/// naming the source and the problem, and never allocates what the header merely claims.
/// </summary>
public static class IdxReader
{
    /// <summary>Default cap on the element bytes of one array: 1 GiB, about 20 times
    /// Fashion-MNIST's training images.</summary>
    public const long DefaultMaxDataBytes = 1L << 30;

    public static IdxArray Read(string path, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Read(file, path, maxDataBytes);
    }

    /// <param name="stream">Read from its current position to its end; left open.</param>
    /// <param name="sourceName">Named in error messages (a path, a URL, a test case).</param>
    /// <param name="maxDataBytes">Arrays whose elements would take more bytes are rejected.</param>
    public static IdxArray Read(Stream stream, string sourceName = "<stream>", long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDataBytes);

        // Sniff the gzip magic, then put the two bytes back: by seeking where the stream can,
        // else by replaying them in front of the rest.
        var first = new byte[2];
        int got = stream.ReadAtLeast(first, 2, throwOnEndOfStream: false);
        Stream body = stream.CanSeek
            ? SeekBack(stream, got)
            : new PrefixedStream(first[..got], stream);
        if (got == 2 && first[0] == 0x1f && first[1] == 0x8b)
        {
            using var gz = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
            try
            {
                return ReadRaw(gz, sourceName, maxDataBytes);
            }
            catch (InvalidDataException e) when (e.Source != typeof(IdxReader).Assembly.GetName().Name)
            {
                // GZipStream's own errors do not say which file was corrupt; ours, thrown from
                // this assembly, already do and pass through unwrapped.
                throw new InvalidDataException($"{sourceName}: corrupt gzip data: {e.Message}", e);
            }
        }
        return ReadRaw(body, sourceName, maxDataBytes);
    }

    private static Stream SeekBack(Stream stream, int count)
    {
        stream.Seek(-count, SeekOrigin.Current);
        return stream;
    }

    internal static Type ClrType(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 => typeof(byte),
        IdxDataType.Int8 => typeof(sbyte),
        IdxDataType.Int16 => typeof(short),
        IdxDataType.Int32 => typeof(int),
        IdxDataType.Float32 => typeof(float),
        IdxDataType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an IDX type code."),
    };

    private static int ElementSize(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 or IdxDataType.Int8 => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an IDX type code."),
    };

    private static IdxArray ReadRaw(Stream s, string source, long maxDataBytes)
    {
        byte[] magic = BoundedStreamReader.ReadExactly(s, 4, source, "the IDX magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException(
                $"{source}: not an IDX file: magic starts {magic[0]:x2} {magic[1]:x2}, expected 00 00.");
        var type = (IdxDataType)magic[2];
        if (!Enum.IsDefined(type))
            throw new InvalidDataException($"{source}: unknown IDX element type code 0x{magic[2]:x2}.");
        int rank = magic[3];
        if (rank == 0)
            throw new InvalidDataException($"{source}: IDX header declares 0 dimensions.");

        byte[] dimBytes = BoundedStreamReader.ReadExactly(s, 4L * rank, source, $"the {rank} IDX dimensions");
        var dims = new int[rank];
        int elementSize = ElementSize(type);
        long bytes = elementSize;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (dims[i] < 0)
                throw new InvalidDataException($"{source}: IDX dimension {i} is negative ({dims[i]}).");
            // Checked against the cap at every step, so the product can never overflow a long.
            bytes *= dims[i];
            if (bytes > maxDataBytes)
                throw new InvalidDataException(
                    $"{source}: IDX dims [{string.Join(", ", dims[..(i + 1)])}{(i + 1 < rank ? ", ..." : "")}] of {type} " +
                    $"exceed the cap of {maxDataBytes} data bytes.");
        }
        if (bytes / elementSize > Array.MaxLength)
            throw new InvalidDataException($"{source}: IDX dims declare {bytes / elementSize} elements, more than one array can hold.");

        byte[] raw = BoundedStreamReader.ReadExactly(s, bytes, source, $"IDX data of dims [{string.Join(", ", dims)}] ({type})");
        BoundedStreamReader.ExpectEnd(s, source, "the IDX data");
        return new IdxArray(type, dims, Decode(type, raw));
    }

    private static Array Decode(IdxDataType type, byte[] raw)
    {
        switch (type)
        {
            case IdxDataType.UInt8:
                return raw;
            case IdxDataType.Int8:
                return MemoryMarshal.Cast<byte, sbyte>(raw.AsSpan()).ToArray();
            case IdxDataType.Int16:
                {
                    var v = new short[raw.Length / 2];
                    FromBigEndian(MemoryMarshal.Cast<byte, short>(raw.AsSpan()), v);
                    return v;
                }
            case IdxDataType.Int32:
                {
                    var v = new int[raw.Length / 4];
                    FromBigEndian(MemoryMarshal.Cast<byte, int>(raw.AsSpan()), v);
                    return v;
                }
            case IdxDataType.Float32:
                {
                    var v = new float[raw.Length / 4];
                    FromBigEndian(MemoryMarshal.Cast<byte, int>(raw.AsSpan()), MemoryMarshal.Cast<float, int>(v.AsSpan()));
                    return v;
                }
            case IdxDataType.Float64:
                {
                    var v = new double[raw.Length / 8];
                    FromBigEndian(MemoryMarshal.Cast<byte, long>(raw.AsSpan()), MemoryMarshal.Cast<double, long>(v.AsSpan()));
                    return v;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Not an IDX type code.");
        }
    }

    private static void FromBigEndian(ReadOnlySpan<short> src, Span<short> dst)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(src, dst);
        else src.CopyTo(dst);
    }

    private static void FromBigEndian(ReadOnlySpan<int> src, Span<int> dst)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(src, dst);
        else src.CopyTo(dst);
    }

    private static void FromBigEndian(ReadOnlySpan<long> src, Span<long> dst)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(src, dst);
        else src.CopyTo(dst);
    }

    /// <summary>
    /// Replays the bytes read to sniff the gzip magic, then the rest of a stream that cannot
    /// seek back. It cannot seek either, so readers treat it as a stream of unknown length.
    /// </summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPos;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
                return 0;
            if (_prefixPos < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPos);
                prefix.AsSpan(_prefixPos, n).CopyTo(buffer);
                _prefixPos += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
