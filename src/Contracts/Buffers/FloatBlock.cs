using System.Runtime.InteropServices;

namespace Autograd.Cluster.Contracts.Buffers;

/// <summary>
/// A block of float32 values carried across grain calls as one run of raw little-endian bytes
/// (<see cref="FloatBlockCodec"/>): Orleans' default codec writes a <c>float[]</c> element by element, each with its
/// own field header. The block holds a plain <c>float[]</c>, so a receiver reads the values in place
/// (<see cref="Span"/>) and a sender can hand over an array it made (<see cref="Wrap(float[])"/>) without copying it.
/// Immutable: calls between grains of one silo pass the same block by reference instead of deep-copying it, so nobody
/// may write into its values once it is made.
/// </summary>
[Immutable, Alias("Autograd.Cluster.FloatBlock")]
public sealed class FloatBlock
{
    /// <summary>
    /// The most floats one message should carry: 8M floats = 32 MiB, well under Orleans' default
    /// <c>MaxMessageBodySize</c> of 100 MB. Senders of larger vectors split them (shards, offset reads).
    /// </summary>
    public const int MaxFloats = 8 * 1024 * 1024;

    /// <summary>An empty block.</summary>
    public static readonly FloatBlock Empty = new([]);

    private readonly float[] _values;
    private readonly int _offset;
    private readonly int _count;

    private FloatBlock(float[] values, int offset, int count)
    {
        _values = values;
        _offset = offset;
        _count = count;
    }

    private FloatBlock(float[] values)
        : this(values, 0, values.Length)
    {
    }

    /// <summary>The number of floats.</summary>
    public int Count => _count;

    /// <summary>The values, read in place (no copy).</summary>
    public ReadOnlySpan<float> Span => _values.AsSpan(_offset, _count);

    /// <summary>The values as memory over the block's array (no copy), for asynchronous writers such as a socket.</summary>
    public ReadOnlyMemory<float> Memory => _values.AsMemory(_offset, _count);

    /// <summary>The values as raw bytes, 4 per float in this machine's byte order (what the codec writes on little-endian hosts).</summary>
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(Span);

    /// <summary>A block holding a copy of <paramref name="values"/>.</summary>
    public static FloatBlock From(ReadOnlySpan<float> values) => values.IsEmpty ? Empty : new FloatBlock(values.ToArray());

    /// <summary>
    /// A block over <paramref name="values"/> itself, without a copy: the caller hands the array over and must never
    /// write into it again (the block may already be on its way to another grain of the silo, by reference).
    /// </summary>
    public static FloatBlock Wrap(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new FloatBlock(values);
    }

    /// <summary>
    /// A block over <paramref name="count"/> floats of <paramref name="values"/> from <paramref name="offset"/> on,
    /// without a copy (one chunk of a larger vector); the same hand-over rule as <see cref="Wrap(float[])"/> holds for
    /// that range. The codec sends only the range.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <paramref name="values"/>.</exception>
    public static FloatBlock Wrap(float[] values, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(values);
        if ((uint)offset > (uint)values.Length || (uint)count > (uint)(values.Length - offset))
            throw new ArgumentOutOfRangeException(nameof(count), $"FloatBlock: [{offset}, {(long)offset + count}) is not within an array of {values.Length} floats");
        return new FloatBlock(values, offset, count);
    }

    /// <summary>The block's floats [<paramref name="offset"/>, offset + <paramref name="count"/>), as a block over the same array (no copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the block.</exception>
    public FloatBlock Slice(int offset, int count)
    {
        if ((uint)offset > (uint)_count || (uint)count > (uint)(_count - offset))
            throw new ArgumentOutOfRangeException(nameof(count), $"FloatBlock: [{offset}, {(long)offset + count}) is not within a block of {_count} floats");
        return offset == 0 && count == _count ? this : new FloatBlock(_values, _offset + offset, count);
    }

    /// <summary>Copies the values into <paramref name="destination"/>, which must hold exactly <see cref="Count"/> floats.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != Count)
            throw new ArgumentException($"FloatBlock: block holds {Count} floats but the destination has room for {destination.Length}", nameof(destination));
        Span.CopyTo(destination);
    }

    /// <summary>The values as a new array.</summary>
    public float[] ToArray() => Span.ToArray();
}
