using System.Buffers;
using System.Runtime.InteropServices;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// A range of a <c>float[]</c> as <see cref="Memory{T}"/> of its bytes, so that a socket reads floats straight into the
/// array and writes them straight from it (no intermediate byte buffer, no copy).
/// </summary>
internal sealed unsafe class FloatBytes : MemoryManager<byte>
{
    private readonly float[] _array;
    private readonly int _offset;
    private readonly int _count;

    private FloatBytes(float[] array, int offset, int count)
    {
        _array = array;
        _offset = offset;
        _count = count;
    }

    /// <summary>The bytes of floats [<paramref name="offset"/>, offset + <paramref name="count"/>) of <paramref name="array"/>.</summary>
    public static Memory<byte> Of(float[] array, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(array);
        if ((uint)offset > (uint)array.Length || (uint)count > (uint)(array.Length - offset))
            throw new ArgumentOutOfRangeException(nameof(count), $"FloatBytes: [{offset}, {(long)offset + count}) is not within an array of {array.Length} floats");
        return count == 0 ? Memory<byte>.Empty : new FloatBytes(array, offset, count).Memory;
    }

    /// <summary>The bytes of <paramref name="values"/>, which must be backed by an array (as a <c>FloatBlock</c>'s are).</summary>
    public static ReadOnlyMemory<byte> Of(ReadOnlyMemory<float> values)
    {
        if (values.IsEmpty) return ReadOnlyMemory<byte>.Empty;
        if (!MemoryMarshal.TryGetArray(values, out var segment)) throw new ArgumentException("FloatBytes: the floats are not backed by an array", nameof(values));
        return Of(segment.Array!, segment.Offset, segment.Count);
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_array.AsSpan(_offset, _count));

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)(_count * sizeof(float))) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        byte* start = (byte*)handle.AddrOfPinnedObject() + ((long)_offset * sizeof(float));
        return new MemoryHandle(start + elementIndex, handle, this);
    }

    public override void Unpin()
    {
        // The GCHandle in the MemoryHandle is freed when the handle is disposed.
    }

    protected override void Dispose(bool disposing)
    {
    }
}
