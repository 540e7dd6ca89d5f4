namespace Autograd.Serialization;

/// <summary>
/// The safetensors dtype names and their element sizes. The list is in the reference
/// implementation's order of increasing alignment (its <c>Dtype</c> enum); its writer lays
/// tensors out by descending position in this order, then by name, and so does ours, so the
/// bytes match. The sub-byte types (F4, F6_E2M3, F6_E3M2) are not supported: their data
/// length is not shape x whole bytes.
/// </summary>
public static class SafetensorsDType
{
    public const string Bool = "BOOL";
    public const string U8 = "U8";
    public const string I8 = "I8";
    public const string F8E5M2 = "F8_E5M2";
    public const string F8E4M3 = "F8_E4M3";
    public const string F8E8M0 = "F8_E8M0";
    public const string I16 = "I16";
    public const string U16 = "U16";
    public const string F16 = "F16";
    public const string BF16 = "BF16";
    public const string I32 = "I32";
    public const string U32 = "U32";
    public const string F32 = "F32";
    public const string C64 = "C64";
    public const string F64 = "F64";
    public const string I64 = "I64";
    public const string U64 = "U64";

    private static readonly (string Name, int Size)[] Ordered =
    [
        (Bool, 1), (U8, 1), (I8, 1), (F8E5M2, 1), (F8E4M3, 1), (F8E8M0, 1),
        (I16, 2), (U16, 2), (F16, 2), (BF16, 2),
        (I32, 4), (U32, 4), (F32, 4),
        (C64, 8), (F64, 8), (I64, 8), (U64, 8),
    ];

    private static readonly Dictionary<string, (int Rank, int Size)> ByName =
        Ordered.Select((d, i) => (d.Name, Info: (i, d.Size))).ToDictionary(x => x.Name, x => x.Info, StringComparer.Ordinal);

    /// <summary>All supported names, in increasing alignment order.</summary>
    public static IReadOnlyList<string> All { get; } = Ordered.Select(d => d.Name).ToArray();

    public static bool IsKnown(string dtype) => ByName.ContainsKey(dtype);

    /// <summary>Bytes per element.</summary>
    /// <exception cref="ArgumentException">Unknown dtype.</exception>
    public static int SizeOf(string dtype) => ByName.TryGetValue(dtype, out var info)
        ? info.Size
        : throw new ArgumentException($"Unknown safetensors dtype '{dtype}'. Known: {string.Join(", ", All)}.", nameof(dtype));

    // Position in the alignment order; the writer sorts on it (descending) before the name.
    internal static int AlignmentRank(string dtype) => ByName[dtype].Rank;
}
