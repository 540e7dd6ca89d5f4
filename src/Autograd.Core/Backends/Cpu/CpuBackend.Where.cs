namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Where(Storage condition, int[] conditionShape, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        // Broadcast the three operands to y's shape, then select elementwise: rare enough that clarity beats a fused kernel.
        var c = Expand(condition, conditionShape, yShape);
        var ea = Expand(a, aShape, yShape);
        var eb = Expand(b, bShape, yShape);
        try
        {
            switch (y.DType)
            {
                case DType.Float32: Select(Cpu(c).Span<float>(), Cpu(ea).Span<float>(), Cpu(eb).Span<float>(), Cpu(y).Span<float>()); break;
                case DType.Float64: Select(Cpu(c).Span<double>(), Cpu(ea).Span<double>(), Cpu(eb).Span<double>(), Cpu(y).Span<double>()); break;
                default: Select(Cpu(c).Span<long>(), Cpu(ea).Span<long>(), Cpu(eb).Span<long>(), Cpu(y).Span<long>()); break;
            }
        }
        finally
        {
            c.RemoveReference();
            ea.RemoveReference();
            eb.RemoveReference();
        }
    }

    private static void Select<T>(ReadOnlySpan<T> condition, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = condition[i] != T.Zero ? a[i] : b[i];
    }

    /// <summary>A fresh storage holding <paramref name="source"/> broadcast to <paramref name="shape"/>.</summary>
    private Storage Expand(Storage source, int[] sourceShape, int[] shape)
    {
        var result = Allocate(source.DType, Tensor.ShapeNumel(shape, "Where"));
        var srcStrides = new int[shape.Length];
        var dstStrides = new int[shape.Length];
        int offset = shape.Length - sourceShape.Length, s = 1, t = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            dstStrides[d] = t;
            t *= shape[d];
            int sd = d - offset;
            if (sd >= 0 && sourceShape[sd] != 1)
            {
                srcStrides[d] = s;
                s *= sourceShape[sd];
            }
        }

        StridedCopy(source, 0, srcStrides, result, 0, dstStrides, shape, accumulate: false);
        return result;
    }
}
