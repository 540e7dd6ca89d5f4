namespace Autograd;

/// <summary>Element type of a tensor. Float32 is the training type; Float64 serves gradient checks; Int64 holds
/// class indices and the results of argmax, as PyTorch's <c>torch.long</c>.</summary>
public enum DType
{
    Float32,
    Float64,
    Int64,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The name PyTorch prints for this dtype.</summary>
    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Float32 => "torch.float32",
        DType.Float64 => "torch.float64",
        DType.Int64 => "torch.int64",
        _ => dtype.ToString(),
    };

    /// <summary>PyTorch's type promotion for two operands: floating beats integer, wider float beats narrower.</summary>
    internal static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
        return DType.Float32;
    }
}
