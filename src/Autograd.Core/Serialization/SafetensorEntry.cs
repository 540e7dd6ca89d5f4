using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Autograd.Serialization;

/// <summary>
/// One tensor of a safetensors file: its name, dtype name (see <see cref="SafetensorsDType"/>),
/// shape (empty for a scalar) and its raw bytes, row-major and little-endian as the format
/// requires. The typed factories and accessors convert on big-endian hosts.
/// Arrays and memory compare by reference: records of equal content are not Equal.
/// </summary>
public sealed record SafetensorEntry(string Name, string DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Elements by the shape (1 for a scalar); throws on overflow.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => checked(n * d));

    public static SafetensorEntry FromFloat32(string name, long[] shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values), MemoryMarshal.Cast<byte, int>(bytes.AsSpan()));
        return new SafetensorEntry(name, SafetensorsDType.F32, shape, bytes);
    }

    public static SafetensorEntry FromFloat64(string name, long[] shape, ReadOnlySpan<double> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(double))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<double, long>(values), MemoryMarshal.Cast<byte, long>(bytes.AsSpan()));
        return new SafetensorEntry(name, SafetensorsDType.F64, shape, bytes);
    }

    public static SafetensorEntry FromInt64(string name, long[] shape, ReadOnlySpan<long> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(long))];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else
            BinaryPrimitives.ReverseEndianness(values, MemoryMarshal.Cast<byte, long>(bytes.AsSpan()));
        return new SafetensorEntry(name, SafetensorsDType.I64, shape, bytes);
    }

    public float[] ToFloat32()
    {
        Expect(SafetensorsDType.F32, sizeof(float));
        var values = new float[Data.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
            Data.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(Data.Span), MemoryMarshal.Cast<float, int>(values.AsSpan()));
        return values;
    }

    public double[] ToFloat64()
    {
        Expect(SafetensorsDType.F64, sizeof(double));
        var values = new double[Data.Length / sizeof(double)];
        if (BitConverter.IsLittleEndian)
            Data.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(Data.Span), MemoryMarshal.Cast<double, long>(values.AsSpan()));
        return values;
    }

    public long[] ToInt64()
    {
        Expect(SafetensorsDType.I64, sizeof(long));
        var values = new long[Data.Length / sizeof(long)];
        if (BitConverter.IsLittleEndian)
            Data.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(Data.Span), values);
        return values;
    }

    private void Expect(string dtype, int size)
    {
        if (DType != dtype)
            throw new InvalidOperationException($"Tensor '{Name}' is {DType}, not {dtype}.");
        if (Data.Length % size != 0)
            throw new InvalidOperationException($"Tensor '{Name}' has {Data.Length} bytes, not a multiple of {size}.");
    }
}
