using System.Buffers.Binary;

namespace Autograd.Serialization;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// describing each tensor (dtype, shape, data_offsets into the buffer) plus an optional
/// "__metadata__" map of strings, then the byte buffer, which the tensors must cover exactly.
/// Files written here are byte-identical to the reference implementation's for the same input.
/// Reading checks every claim of the header against the stream before allocating for it:
/// hostile files throw <see cref="InvalidDataException"/> naming the source and the problem.
/// </summary>
public static class SafetensorsFormat
{
    /// <summary>Writes the tensors (laid out by descending dtype alignment, then name) and the
    /// metadata (omitted when null or empty).</summary>
    /// <exception cref="ArgumentException">Duplicate or reserved names, unknown dtypes, negative
    /// dims, or data whose length does not match shape x dtype size.</exception>
    public static void Write(Stream stream, IEnumerable<SafetensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        List<SafetensorEntry> ordered = Validate(tensors);
        ordered.Sort((a, b) =>
        {
            int byAlignment = SafetensorsDType.AlignmentRank(b.DType).CompareTo(SafetensorsDType.AlignmentRank(a.DType));
            return byAlignment != 0 ? byAlignment : string.CompareOrdinal(a.Name, b.Name);
        });

        var infos = new List<SafetensorsTensorInfo>(ordered.Count);
        long offset = 0;
        foreach (var e in ordered)
        {
            infos.Add(new SafetensorsTensorInfo(e.Name, e.DType, e.Shape, offset, offset + e.Data.Length));
            offset += e.Data.Length;
        }
        byte[] header = SafetensorsHeader.Build(infos, metadata);
        if (header.Length > SafetensorsHeader.MaxHeaderBytes)
            throw new ArgumentException($"The header would take {header.Length} bytes, more than readers accept ({SafetensorsHeader.MaxHeaderBytes}).", nameof(tensors));

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var e in ordered)
            stream.Write(e.Data.Span);
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it over
    /// <paramref name="path"/>, so a crash mid-write never leaves a truncated file (a
    /// checkpoint, say) under the real name.</summary>
    public static void Write(string path, IEnumerable<SafetensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Write(file, tensors, metadata);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>Reads every tensor, in buffer order, each into its own array.</summary>
    /// <param name="stream">Read from its current position to its end; left open.</param>
    /// <param name="sourceName">Named in error messages.</param>
    public static (IReadOnlyList<SafetensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata)
        Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] prefix = BoundedStreamReader.ReadExactly(stream, 8, sourceName, "the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > SafetensorsHeader.MaxHeaderBytes)
            throw new InvalidDataException(
                $"{sourceName}: invalid safetensors file: header length {n} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit.");
        byte[] header = BoundedStreamReader.ReadExactly(stream, (long)n, sourceName, "the JSON header");
        var (infos, metadata, bufferLength) = SafetensorsHeader.Parse(header, sourceName);

        // Checked before reading any tensor, where the stream can tell: a lying header fails
        // here instead of after allocating what it claims.
        if (BoundedStreamReader.RemainingLength(stream) is { } remaining && remaining != bufferLength)
            throw new InvalidDataException(remaining < bufferLength
                ? $"{sourceName}: truncated: the header's tensors need {bufferLength} bytes but only {remaining} remain."
                : $"{sourceName}: invalid safetensors file: {remaining - bufferLength} bytes after the last tensor are not covered by any tensor.");

        var entries = new List<SafetensorEntry>(infos.Count);
        foreach (var t in infos)
        {
            byte[] data = BoundedStreamReader.ReadExactly(stream, t.End - t.Begin, sourceName, $"tensor '{t.Name}'");
            entries.Add(new SafetensorEntry(t.Name, t.DType, t.Shape, data));
        }
        BoundedStreamReader.ExpectEnd(stream, sourceName, "the last tensor");
        return (entries, metadata);
    }

    public static (IReadOnlyList<SafetensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Read(file, path);
    }

    private static List<SafetensorEntry> Validate(IEnumerable<SafetensorEntry> tensors)
    {
        var list = new List<SafetensorEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in tensors)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(tensors));
            if (e.Name is null || e.DType is null || e.Shape is null)
                throw new ArgumentException("A tensor entry has a null name, dtype or shape.", nameof(tensors));
            if (e.Name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for the metadata map.", nameof(tensors));
            if (!names.Add(e.Name))
                throw new ArgumentException($"Duplicate tensor name '{e.Name}'.", nameof(tensors));
            int size = SafetensorsDType.SizeOf(e.DType);
            if (e.Shape.Any(d => d < 0))
                throw new ArgumentException($"Tensor '{e.Name}' has a negative dim in [{string.Join(", ", e.Shape)}].", nameof(tensors));
            if (checked(e.ElementCount * size) != e.Data.Length)
                throw new ArgumentException(
                    $"Tensor '{e.Name}': shape [{string.Join(", ", e.Shape)}] of {e.DType} needs {e.ElementCount * size} bytes, data has {e.Data.Length}.",
                    nameof(tensors));
            list.Add(e);
        }
        return list;
    }
}
