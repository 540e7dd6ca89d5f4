using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Autograd.Serialization;

/// <summary>A tensor as its header describes it; offsets are relative to the byte buffer.</summary>
internal sealed record SafetensorsTensorInfo(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// The JSON header of a safetensors file: parsing with every check the format implies, and
/// building the exact bytes the reference writer produces (compact JSON, "__metadata__" first,
/// tensors in buffer order, spaces to an 8-byte boundary).
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The reference implementation refuses headers above this (its MAX_HEADER_SIZE).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    // The schema nests three deep (root, tensor, shape); anything deeper is rejected anyway, and a
    // small limit stops pathological nesting from costing time first.
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };

    // serde_json, the reference writer, escapes only quotes, backslashes and control characters;
    // the default encoder would also escape '+', '<', non-ASCII names... and change the bytes.
    // Relaxed escaping is safe here: the header is never embedded in HTML.
    private static readonly JsonWriterOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Parses and validates a header. Returns the tensors in buffer order and the
    /// buffer length they cover exactly.</summary>
    public static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata, long BufferLength)
        Parse(ReadOnlyMemory<byte> header, string source)
    {
        if (!Utf8.IsValid(header.Span))
            throw Bad(source, "header is not valid UTF-8");
        if (header.Length == 0 || header.Span[0] != (byte)'{')
            throw Bad(source, "header does not start with '{'");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, ParseOptions);
        }
        catch (JsonException e)
        {
            throw Bad(source, $"header is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            var tensors = new List<SafetensorsTensorInfo>();
            Dictionary<string, string>? metadata = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                // JsonDocument keeps duplicate keys; the format forbids them (which one would win?).
                if (!seen.Add(p.Name))
                    throw Bad(source, $"duplicate name '{p.Name}' in header");
                if (p.Name == MetadataKey)
                    metadata = ParseMetadata(p.Value, source);
                else
                    tensors.Add(ParseTensor(p.Name, p.Value, source));
            }

            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            string? previous = null;
            foreach (var t in tensors)
            {
                if (t.Begin < expected)
                    throw Bad(source, $"tensor '{t.Name}' data [{t.Begin}, {t.End}) overlaps tensor '{previous}' ending at {expected}");
                if (t.Begin > expected)
                    throw Bad(source, $"gap of {t.Begin - expected} bytes in the buffer before tensor '{t.Name}' at {t.Begin}");
                expected = t.End;
                previous = t.Name;
            }
            return (tensors, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal), expected);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"\"{MetadataKey}\" is a JSON {value.ValueKind}, not an object of strings");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"\"{MetadataKey}\" entry '{m.Name}' is a JSON {m.Value.ValueKind}, not a string");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Bad(source, $"duplicate key '{m.Name}' in \"{MetadataKey}\"");
        }
        return metadata;
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"tensor '{name}' is a JSON {value.ValueKind}, not an object");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        foreach (JsonProperty f in value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "dtype" when dtype is null:
                    if (f.Value.ValueKind != JsonValueKind.String)
                        throw Bad(source, $"tensor '{name}': dtype is a JSON {f.Value.ValueKind}, not a string");
                    dtype = f.Value.GetString()!;
                    if (!SafetensorsDType.IsKnown(dtype))
                        throw Bad(source, $"tensor '{name}': unknown or unsupported dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.All)})");
                    break;
                case "shape" when shape is null:
                    shape = ReadNonNegativeInts(f.Value, name, "shape", source);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNonNegativeInts(f.Value, name, "data_offsets", source);
                    if (offsets.Length != 2)
                        throw Bad(source, $"tensor '{name}': data_offsets has {offsets.Length} numbers, not 2");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Bad(source, $"tensor '{name}': duplicate field '{f.Name}'");
                default:
                    throw Bad(source, $"tensor '{name}': unexpected field '{f.Name}'");
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw Bad(source, $"tensor '{name}': missing {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");

        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw Bad(source, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (n, d) => n * d) * SafetensorsDType.SizeOf(dtype));
        }
        catch (OverflowException)
        {
            throw Bad(source, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} overflows a 64-bit byte count");
        }
        if (bytes != end - begin)
            throw Bad(source, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {bytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadNonNegativeInts(JsonElement value, string name, string field, string source)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw Bad(source, $"tensor '{name}': {field} is a JSON {value.ValueKind}, not an array");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in value.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
                throw Bad(source, $"tensor '{name}': {field}[{i}] = {e.GetRawText()} is not a non-negative 64-bit integer");
            result[i++] = v;
        }
        return result;
    }

    /// <summary>The header bytes for tensors already in buffer order, padded with spaces to a
    /// multiple of 8 so that the buffer, and every tensor laid out by descending alignment,
    /// starts aligned in the file.</summary>
    public static byte[] Build(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, WriteOptions))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                // Sorted so the same metadata always gives the same bytes.
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var t in tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType);
                w.WriteStartArray("shape");
                foreach (long d in t.Shape)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(t.Begin);
                w.WriteNumberValue(t.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padding = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
            json.WriteByte((byte)' ');
        return json.ToArray();
    }

    private static InvalidDataException Bad(string source, string problem) => new($"{source}: invalid safetensors file: {problem}.");
}
