using System.Buffers.Binary;
using System.Text.Json;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Client.Safetensors;

/// <summary>
/// Writes a safetensors file (Hugging Face's format, read by <c>safetensors.torch.load_file</c>): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, padded with spaces to
/// 8 bytes, then the tensors' bytes back to back in header order. Entries are written as they are fed, so a model is
/// never held twice in memory.
/// </summary>
internal sealed class SafetensorsWriter
{
    private readonly Stream _stream;
    private readonly IReadOnlyList<ParameterEntry> _entries;
    private int _next;

    private SafetensorsWriter(Stream stream, IReadOnlyList<ParameterEntry> entries)
    {
        _stream = stream;
        _entries = entries;
    }

    /// <summary>Writes the header for <paramref name="entries"/> (in that order); feed their values with <see cref="WriteEntryAsync"/>.</summary>
    public static async Task<SafetensorsWriter> StartAsync(Stream stream, IReadOnlyList<ParameterEntry> entries, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        byte[] header = Header(entries, metadata);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        await stream.WriteAsync(length, cancellationToken);
        await stream.WriteAsync(header, cancellationToken);
        return new SafetensorsWriter(stream, entries);
    }

    /// <summary>Writes the next entry's values: float32 as they are, int64 (counters that travel as exact floats) converted.</summary>
    public async Task WriteEntryAsync(ReadOnlyMemory<float> values, CancellationToken cancellationToken)
    {
        var entry = _entries[_next++];
        if (values.Length != Numel(entry.Shape))
            throw new InvalidDataException($"{entry.Name}: {values.Length} values for shape [{string.Join(", ", entry.Shape)}]");
        byte[] bytes;
        if (IsInt64(entry))
        {
            bytes = new byte[values.Length * sizeof(long)];
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), (long)values.Span[i]);
        }
        else
        {
            bytes = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values.Span[i]);
        }

        await _stream.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>The number of values of <paramref name="shape"/> (1 for a scalar).</summary>
    public static int Numel(int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return checked((int)n);
    }

    private static bool IsInt64(ParameterEntry entry) => string.Equals(entry.DType, "int64", StringComparison.OrdinalIgnoreCase);

    private static byte[] Header(IReadOnlyList<ParameterEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var entry in entries)
            {
                long size = (long)Numel(entry.Shape) * (IsInt64(entry) ? sizeof(long) : sizeof(float));
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", IsInt64(entry) ? "I64" : "F32");
                json.WriteStartArray("shape");
                foreach (int d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }

            json.WriteEndObject();
        }

        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.ToArray().CopyTo(header, 0);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}
