using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Autograd.Cluster.Contracts.Buffers;

/// <summary>
/// A block of float32 values carried across grain calls as raw little-endian bytes. Orleans' default codec writes a
/// <c>float[]</c> element by element, each with its own field header; a <c>byte[]</c> goes as one length-prefixed
/// copy. Marked immutable so that calls between grains of one silo pass it by reference instead of deep-copying it:
/// never write into <see cref="Bytes"/> after a block is made.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.FloatBlock")]
public sealed class FloatBlock
{
    /// <summary>
    /// The most floats one message should carry: 8M floats = 32 MiB, well under Orleans' default
    /// <c>MaxMessageBodySize</c> of 100 MB. Senders of larger vectors split them (shards, offset reads).
    /// </summary>
    public const int MaxFloats = 8 * 1024 * 1024;

    /// <summary>An empty block.</summary>
    public static readonly FloatBlock Empty = new();

    /// <summary>The values, 4 bytes each, little-endian IEEE 754.</summary>
    [Id(0)]
    public byte[] Bytes { get; init; } = [];

    /// <summary>The number of floats.</summary>
    public int Count => Bytes.Length / sizeof(float);

    /// <summary>A block holding a copy of <paramref name="values"/>.</summary>
    public static FloatBlock From(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return new FloatBlock { Bytes = bytes };
    }

    /// <summary>Copies the values into <paramref name="destination"/>, which must hold exactly <see cref="Count"/> floats.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (Bytes.Length % sizeof(float) != 0)
            throw new InvalidDataException($"FloatBlock: {Bytes.Length} bytes is not a whole number of floats");
        if (destination.Length != Count)
            throw new ArgumentException($"FloatBlock: block holds {Count} floats but the destination has room for {destination.Length}", nameof(destination));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(Bytes).CopyTo(destination);
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = BinaryPrimitives.ReadSingleLittleEndian(Bytes.AsSpan(i * sizeof(float)));
        }
    }

    /// <summary>The values as a new array.</summary>
    public float[] ToArray()
    {
        var values = new float[Count];
        CopyTo(values);
        return values;
    }
}
