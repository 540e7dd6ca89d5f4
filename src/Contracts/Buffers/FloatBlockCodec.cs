using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Autograd.Cluster.Contracts.Buffers;

/// <summary>
/// Writes a <see cref="FloatBlock"/> as one length-prefixed run of little-endian float bytes (as Orleans writes a
/// <c>byte[]</c>) and reads it straight into the block's <c>float[]</c>: one copy each way, no per-element headers and
/// no intermediate byte array.
/// </summary>
[RegisterSerializer]
public sealed class FloatBlockCodec : IFieldCodec<FloatBlock>
{
    /// <inheritdoc/>
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, FloatBlock? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        // Writes null, or a back-reference to a block already in this message, and returns true.
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value)) return;
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(FloatBlock), WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)(value!.Count * sizeof(float)));
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(value.Bytes);
            return;
        }

        Span<byte> scratch = stackalloc byte[sizeof(float)];
        foreach (float f in value.Span)
        {
            BinaryPrimitives.WriteSingleLittleEndian(scratch, f);
            writer.Write(scratch);
        }
    }

    /// <inheritdoc/>
    public FloatBlock ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference) return ReferenceCodec.ReadReference<FloatBlock, TInput>(ref reader, field)!;
        field.EnsureWireType(WireType.LengthPrefixed);
        uint length = reader.ReadVarUInt32();
        if (length % sizeof(float) != 0)
            throw new InvalidDataException($"FloatBlock: {length} bytes is not a whole number of floats");
        var values = new float[length / sizeof(float)];
        reader.ReadBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
        }

        var block = FloatBlock.Wrap(values);
        ReferenceCodec.RecordObject(reader.Session, block);
        return block;
    }
}

/// <summary>A <see cref="FloatBlock"/> is immutable: a copy within a silo is the same block.</summary>
[RegisterCopier]
public sealed class FloatBlockCopier : IDeepCopier<FloatBlock>, IOptionalDeepCopier
{
    /// <inheritdoc/>
    public FloatBlock? DeepCopy(FloatBlock? input, CopyContext context) => input;

    /// <inheritdoc/>
    public bool IsShallowCopyable() => true;
}
