using System.Runtime.InteropServices;

namespace Autograd.Cluster.Contracts.Buffers;

/// <summary>
/// A block of float32 values carried across grain calls as one run of raw little-endian bytes
/// (<see cref="FloatBlockCodec"/>): Orleans' default codec writes a <c>float[]</c> element by element, each with its
/// own field header. The block holds a range of a plain <c>float[]</c> (or, made by a data plane, of memory shared with
/// another silo process: <see cref="Over"/>), so a receiver reads the values in place (<see cref="Span"/>) and a sender
/// can hand over an array it made (<see cref="Wrap(float[])"/>) without copying it.
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
    public static readonly FloatBlock Empty = new(ReadOnlyMemory<float>.Empty);

    // An array's range, or (Over) memory another owner keeps alive, such as a shared-memory mapping.
    private readonly ReadOnlyMemory<float> _values;

    private FloatBlock(ReadOnlyMemory<float> values)
    {
        _values = values;
    }

    /// <summary>The number of floats.</summary>
    public int Count => _values.Length;

    /// <summary>The values, read in place (no copy).</summary>
    public ReadOnlySpan<float> Span => _values.Span;

    /// <summary>The values as memory over the block's storage (no copy), for asynchronous writers such as a socket.</summary>
    public ReadOnlyMemory<float> Memory => _values;

    /// <summary>The values as raw bytes, 4 per float in this machine's byte order (what the codec writes on little-endian hosts).</summary>
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(Span);

    /// <summary>A block holding a copy of <paramref name="values"/>.</summary>
    public static FloatBlock From(ReadOnlySpan<float> values) => values.IsEmpty ? Empty : new FloatBlock(values.ToArray().AsMemory());

    /// <summary>
    /// A block over <paramref name="values"/> itself, without a copy: the caller hands the array over and must never
    /// write into it again (the block may already be on its way to another grain of the silo, by reference).
    /// </summary>
    public static FloatBlock Wrap(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new FloatBlock(values.AsMemory());
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
        return new FloatBlock(values.AsMemory(offset, count));
    }

    /// <summary>
    /// A block over <paramref name="values"/> without a copy, whatever holds them: memory a data plane maps from another
    /// process, say. Its owner keeps the memory alive as long as the block is reachable, and the hand-over rule of
    /// <see cref="Wrap(float[])"/> holds: nobody writes into it while the block is in use.
    /// </summary>
    public static FloatBlock Over(ReadOnlyMemory<float> values) => values.IsEmpty ? Empty : new FloatBlock(values);

    /// <summary>The block's floats [<paramref name="offset"/>, offset + <paramref name="count"/>), as a block over the same array (no copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the block.</exception>
    public FloatBlock Slice(int offset, int count)
    {
        if ((uint)offset > (uint)Count || (uint)count > (uint)(Count - offset))
            throw new ArgumentOutOfRangeException(nameof(count), $"FloatBlock: [{offset}, {(long)offset + count}) is not within a block of {Count} floats");
        return offset == 0 && count == Count ? this : new FloatBlock(_values.Slice(offset, count));
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
