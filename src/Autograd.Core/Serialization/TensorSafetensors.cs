using System.Buffers.Binary;

namespace Autograd.Serialization;

/// <summary>
/// Saves and loads named tensors as safetensors files (the format of Hugging Face's <c>safetensors</c>, which
/// <c>safetensors.torch.load_file</c> reads): names are kept exactly, so a module's state dict round-trips with
/// PyTorch's names (<c>fc1.weight</c>). Float32, Float64 and Int64 map to F32, F64 and I64. Loading also accepts
/// F16 and BF16 (widened to Float32, exactly) and the integer types BOOL, U8, I8, I16, U16, I32 and U32 (widened
/// to Int64, exactly); other dtypes throw <see cref="InvalidDataException"/> naming the tensor.
/// </summary>
public static class TensorSafetensors
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafetensorsFormat.Write(path, ToEntries(tensors), metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/> at its current position (left open).</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsFormat.Write(stream, ToEntries(tensors), metadata);
    }

    /// <summary>Reads every tensor of the file into a new CPU tensor, by name.</summary>
    public static Dictionary<string, Tensor> Load(string path) => LoadWithMetadata(path).Tensors;

    /// <summary>Reads every tensor from <paramref name="stream"/> (to its end; left open) into new CPU tensors.</summary>
    public static Dictionary<string, Tensor> Load(Stream stream) => LoadWithMetadata(stream).Tensors;

    /// <summary>As <see cref="Load(string)"/>, also returning the file's <c>__metadata__</c> strings.</summary>
    public static (Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(string path)
    {
        var (entries, metadata) = SafetensorsFormat.Read(path);
        return (ToTensors(entries, path), metadata);
    }

    /// <summary>As <see cref="Load(Stream)"/>, also returning the file's <c>__metadata__</c> strings.</summary>
    public static (Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(Stream stream)
    {
        var (entries, metadata) = SafetensorsFormat.Read(stream);
        return (ToTensors(entries, "<stream>"), metadata);
    }

    private static List<SafetensorEntry> ToEntries(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<SafetensorEntry>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (tensor is null) throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
            if (tensor.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"tensor '{name}' was disposed before it could be saved");
            var shape = Array.ConvertAll(tensor.ShapeRef, d => (long)d);
            entries.Add(tensor.DType switch
            {
                DType.Float32 => SafetensorEntry.FromFloat32(name, shape, tensor.ToArray<float>()),
                DType.Float64 => SafetensorEntry.FromFloat64(name, shape, tensor.ToArray<double>()),
                DType.Int64 => SafetensorEntry.FromInt64(name, shape, tensor.ToArray<long>()),
                _ => throw new ArgumentException($"tensor '{name}' has dtype {tensor.DType}, which safetensors saving does not support", nameof(tensors)),
            });
        }

        return entries;
    }

    private static Dictionary<string, Tensor> ToTensors(IReadOnlyList<SafetensorEntry> entries, string source)
    {
        var result = new Dictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries) result.Add(entry.Name, ToTensor(entry, source));
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }

        return result;
    }

    private static Tensor ToTensor(SafetensorEntry entry, string source)
    {
        var shape = new int[entry.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (entry.Shape[i] > int.MaxValue)
                throw new InvalidDataException($"{source}: tensor '{entry.Name}' has dimension {entry.Shape[i]}, larger than a tensor here can hold");
            shape[i] = (int)entry.Shape[i];
        }

        var bytes = entry.Data.Span;
        switch (entry.DType)
        {
            case SafetensorsDType.F32: return Tensor.From(entry.ToFloat32(), shape).ReshapeScalar(shape);
            case SafetensorsDType.F64: return Tensor.From(entry.ToFloat64(), shape).ReshapeScalar(shape);
            case SafetensorsDType.I64: return Tensor.From(entry.ToInt64(), shape).ReshapeScalar(shape);
            case SafetensorsDType.F16:
            {
                var values = new float[bytes.Length / 2];
                for (int i = 0; i < values.Length; i++) values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                return Tensor.From(values, shape).ReshapeScalar(shape);
            }

            case SafetensorsDType.BF16:
            {
                // bfloat16 is the upper half of a float32: widening is a shift, exact.
                var values = new float[bytes.Length / 2];
                for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                return Tensor.From(values, shape).ReshapeScalar(shape);
            }

            default:
                return Tensor.From(WidenIntegers(entry, source), shape).ReshapeScalar(shape);
        }
    }

    private static long[] WidenIntegers(SafetensorEntry entry, string source)
    {
        var bytes = entry.Data.Span;
        int size = entry.DType switch
        {
            SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8 => 1,
            SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
            SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
            _ => throw new InvalidDataException($"{source}: tensor '{entry.Name}' has dtype {entry.DType}, which has no tensor dtype here (supported: F32, F64, I64, F16, BF16, BOOL and the integer types up to 32 bits)"),
        };
        var values = new long[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            var at = bytes[(i * size)..];
            values[i] = entry.DType switch
            {
                SafetensorsDType.I8 => (sbyte)at[0],
                SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(at),
                SafetensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(at),
                SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(at),
                SafetensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(at),
                _ => at[0],
            };
        }

        return values;
    }

    /// <summary>Tensor.From takes an empty shape as "one dimension of data.Length"; a safetensors scalar has shape [].</summary>
    private static Tensor ReshapeScalar(this Tensor t, int[] shape)
    {
        if (shape.Length != 0) return t;
        var scalar = t.Reshape();
        t.Dispose();
        return scalar;
    }
}
