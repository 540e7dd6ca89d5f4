using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    public void Unary(UnaryOp op, Storage x, Storage y, double alpha, double beta)
    {
        switch (x.DType)
        {
            case DType.Float32: UnaryCore<float, Float32Math>(op, Of(x), Of(y), alpha, beta); break;
            case DType.Float64: UnaryCore<double, Float64Math>(op, Of(x), Of(y), alpha, beta); break;
            default: throw new NotSupportedException($"{op} on a tensor of dtype {x.DType.TorchName()}; convert it with Float() first");
        }
    }

    public void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, double alpha, double beta)
    {
        switch (x.DType)
        {
            case DType.Float32: UnaryBackwardCore<float, Float32Math>(op, Of(x), Of(y), Of(gy), Of(gx), alpha, beta); break;
            case DType.Float64: UnaryBackwardCore<double, Float64Math>(op, Of(x), Of(y), Of(gy), Of(gx), alpha, beta); break;
            default: throw new NotSupportedException($"gradient of {op} for dtype {x.DType.TorchName()}");
        }
    }

    public void Binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        switch (y.DType)
        {
            case DType.Float32: BinaryCore<float, Float32Math>(op, Of(a), aShape, Of(b), bShape, Of(y), yShape); break;
            case DType.Float64: BinaryCore<double, Float64Math>(op, Of(a), aShape, Of(b), bShape, Of(y), yShape); break;
            default: BinaryOnIntegers(op, a, aShape, b, bShape, y, yShape); break;
        }
    }

    public void Where(Storage condition, int[] conditionShape, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        switch (y.DType)
        {
            case DType.Float32: WhereCore<float, Float32Math>(Of(condition), conditionShape, Of(a), aShape, Of(b), bShape, Of(y), yShape); break;
            case DType.Float64: WhereCore<double, Float64Math>(Of(condition), conditionShape, Of(a), aShape, Of(b), bShape, Of(y), yShape); break;
            default: WhereCore<long, Int64Element>(Of(condition), conditionShape, Of(a), aShape, Of(b), bShape, Of(y), yShape); break;
        }
    }

    private void UnaryCore<T, TNum>(UnaryOp op, IlgpuStorage x, IlgpuStorage y, double alpha, double beta)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = x.Length;
        if (n == 0) return;
        TNum m = default;
        var kernel = Kernels.Get("unary", typeof(T), static a => a.LoadStreamKernel<int, int, T, T, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Unary<T, TNum>));
        kernel(Grid(n), n, (int)op, m.FromDouble(alpha), m.FromDouble(beta), x.View<T>(), y.View<T>());
    }

    private void UnaryBackwardCore<T, TNum>(UnaryOp op, IlgpuStorage x, IlgpuStorage y, IlgpuStorage gy, IlgpuStorage gx, double alpha, double beta)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = x.Length;
        if (n == 0) return;
        TNum m = default;
        var kernel = Kernels.Get("unary_backward", typeof(T), static a => a.LoadStreamKernel<int, int, T, T, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.UnaryBackward<T, TNum>));
        kernel(Grid(n), n, (int)op, m.FromDouble(alpha), m.FromDouble(beta), x.View<T>(), y.View<T>(), gy.View<T>(), gx.View<T>());
    }

    private void BinaryCore<T, TNum>(BinaryOp op, IlgpuStorage a, int[] aShape, IlgpuStorage b, int[] bShape, IlgpuStorage y, int[] yShape)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = y.Length;
        if (n == 0) return;
        Span<int> sa = stackalloc int[yShape.Length];
        Span<int> sb = stackalloc int[yShape.Length];
        StridedLayout.BroadcastStrides(aShape, yShape, sa);
        StridedLayout.BroadcastStrides(bShape, yShape, sb);
        if (!StridedLayout.TryCreate(yShape, sa, sb, default, out var layout))
        {
            // Too many alternating broadcast dimensions for one kernel argument: materialise both operands first.
            var ea = Expanded(a, aShape, yShape);
            var eb = Expanded(b, bShape, yShape);
            try
            {
                BinaryCore<T, TNum>(op, Of(ea), [n], Of(eb), [n], y, [n]);
            }
            finally
            {
                ea.RemoveReference();
                eb.RemoveReference();
            }

            return;
        }

        var kernel = Kernels.Get("binary", typeof(T), static acc => acc.LoadStreamKernel<int, int, StridedLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Binary<T, TNum>));
        kernel(Grid(n), n, (int)op, layout, a.View<T>(), b.View<T>(), y.View<T>());
    }

    /// <summary>Integer tensors (labels, argmax results) only meet comparisons and simple arithmetic: run them in double, as the CPU backend does.</summary>
    private void BinaryOnIntegers(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        var a64 = Allocate(DType.Float64, a.Length);
        var b64 = Allocate(DType.Float64, b.Length);
        var y64 = Allocate(DType.Float64, y.Length);
        try
        {
            Cast(a, a64);
            Cast(b, b64);
            BinaryCore<double, Float64Math>(op, Of(a64), aShape, Of(b64), bShape, Of(y64), yShape);
            Cast(y64, y);
        }
        finally
        {
            a64.RemoveReference();
            b64.RemoveReference();
            y64.RemoveReference();
        }
    }

    private void WhereCore<T, TElem>(IlgpuStorage condition, int[] conditionShape, IlgpuStorage a, int[] aShape, IlgpuStorage b, int[] bShape, IlgpuStorage y, int[] yShape)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        int n = y.Length;
        if (n == 0) return;
        Span<int> sc = stackalloc int[yShape.Length];
        Span<int> sa = stackalloc int[yShape.Length];
        Span<int> sb = stackalloc int[yShape.Length];
        StridedLayout.BroadcastStrides(conditionShape, yShape, sc);
        StridedLayout.BroadcastStrides(aShape, yShape, sa);
        StridedLayout.BroadcastStrides(bShape, yShape, sb);
        if (!StridedLayout.TryCreate(yShape, sc, sa, sb, out var layout))
        {
            var ec = Expanded(condition, conditionShape, yShape);
            var ea = Expanded(a, aShape, yShape);
            var eb = Expanded(b, bShape, yShape);
            try
            {
                WhereCore<T, TElem>(Of(ec), [n], Of(ea), [n], Of(eb), [n], y, [n]);
            }
            finally
            {
                ec.RemoveReference();
                ea.RemoveReference();
                eb.RemoveReference();
            }

            return;
        }

        var kernel = Kernels.Get("where", typeof(T), static acc => acc.LoadStreamKernel<int, StridedLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Where<T, TElem>));
        kernel(Grid(n), n, layout, condition.View<T>(), a.View<T>(), b.View<T>(), y.View<T>());
    }

    /// <summary>A fresh storage holding <paramref name="source"/> broadcast to <paramref name="shape"/>.</summary>
    private Storage Expanded(Storage source, int[] sourceShape, int[] shape)
    {
        var result = Allocate(source.DType, Tensor.ShapeNumel(shape, "broadcast"));
        StridedCopy(source, 0, StridedLayout.BroadcastStrides(sourceShape, shape), result, 0, Tensor.ContiguousStrides(shape), shape, accumulate: false);
        return result;
    }
}
