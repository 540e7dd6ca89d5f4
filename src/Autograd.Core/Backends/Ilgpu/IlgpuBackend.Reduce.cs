using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    /// <summary>Rows at least this long are reduced by a whole group each (one thread per row would serialise them).</summary>
    private const int RowReductionThreshold = 64;

    public void Reduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: ReduceCore<float, Float32Math>(op, Of(x), outer, reduce, inner, Of(y)); break;
            case DType.Float64: ReduceCore<double, Float64Math>(op, Of(x), outer, reduce, inner, Of(y)); break;
            default: throw new NotSupportedException($"{op} reduction of dtype {x.DType.TorchName()}; convert it with Float() first");
        }
    }

    public void ArgReduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage? values, Storage indices)
    {
        if (reduce == 0) throw new ArgumentException($"arg{op.ToString().ToLowerInvariant()}: cannot reduce over an empty dimension");
        switch (x.DType)
        {
            case DType.Float32: ArgReduceCore<float, Float32Math>(op, Of(x), outer, reduce, inner, values is null ? null : Of(values), Of(indices)); break;
            case DType.Float64: ArgReduceCore<double, Float64Math>(op, Of(x), outer, reduce, inner, values is null ? null : Of(values), Of(indices)); break;
            default:
                {
                    // Integer inputs are compared in double, as the CPU backend does.
                    var x64 = Allocate(DType.Float64, x.Length);
                    var v64 = values is null ? null : Allocate(DType.Float64, values.Length);
                    try
                    {
                        Cast(x, x64);
                        ArgReduce(op, x64, outer, reduce, inner, v64, indices);
                        if (v64 is not null) Cast(v64, values!);
                    }
                    finally
                    {
                        x64.RemoveReference();
                        v64?.RemoveReference();
                    }

                    break;
                }
        }
    }

    public void Softmax(Storage x, int outer, int dim, int inner, Storage y, bool log)
    {
        switch (x.DType)
        {
            case DType.Float32: SoftmaxCore<float, Float32Math>(Of(x), outer, dim, inner, Of(y), log); break;
            case DType.Float64: SoftmaxCore<double, Float64Math>(Of(x), outer, dim, inner, Of(y), log); break;
            default: throw new NotSupportedException($"softmax of dtype {x.DType.TorchName()}");
        }
    }

    public void SoftmaxBackward(Storage y, Storage gy, int outer, int dim, int inner, Storage gx, bool log)
    {
        switch (y.DType)
        {
            case DType.Float32: SoftmaxBackwardCore<float, Float32Math>(Of(y), Of(gy), outer, dim, inner, Of(gx), log); break;
            case DType.Float64: SoftmaxBackwardCore<double, Float64Math>(Of(y), Of(gy), outer, dim, inner, Of(gx), log); break;
            default: throw new NotSupportedException($"softmax gradient of dtype {y.DType.TorchName()}");
        }
    }

    private void ReduceCore<T, TNum>(ReduceOp op, IlgpuStorage x, int outer, int reduce, int inner, IlgpuStorage y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = outer * inner;
        if (n == 0) return;
        if (reduce == 0)
        {
            if (op != ReduceOp.Sum) throw new ArgumentException($"{op.ToString().ToLowerInvariant()}: cannot reduce over an empty dimension (it has no identity)");
            Fill(y, 0);
            return;
        }

        if (inner == 1 && reduce >= RowReductionThreshold)
        {
            var rows = Kernels.Get("reduce_rows", typeof(T), static a => a.LoadStreamKernel<int, int, int, ArrayView<T>, ArrayView<T>>(ReduceKernels.ReduceRows<T, TNum>));
            rows(new KernelConfig(Math.Min(outer, _maxGroups), GroupSize), outer, reduce, (int)op, x.View<T>(), y.View<T>());
            return;
        }

        var columns = Kernels.Get("reduce_columns", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, ArrayView<T>, ArrayView<T>>(ReduceKernels.ReduceColumns<T, TNum>));
        columns(Grid(n), n, reduce, inner, (int)op, x.View<T>(), y.View<T>());
    }

    private void ArgReduceCore<T, TNum>(ReduceOp op, IlgpuStorage x, int outer, int reduce, int inner, IlgpuStorage? values, IlgpuStorage indices)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = outer * inner;
        if (n == 0) return;
        var kernel = Kernels.Get("arg_reduce", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<long>>(ReduceKernels.ArgReduce<T, TNum>));
        // Without a values output the kernel gets x in its place and never writes it.
        kernel(Grid(n), n, reduce, inner, op == ReduceOp.Max ? 1 : 0, values is null ? 0 : 1, x.View<T>(), (values ?? x).View<T>(), indices.View<long>());
    }

    private void SoftmaxCore<T, TNum>(IlgpuStorage x, int outer, int dim, int inner, IlgpuStorage y, bool log)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = outer * inner;
        if (n == 0 || dim == 0) return;
        var kernel = Kernels.Get("softmax", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, ArrayView<T>, ArrayView<T>>(ReduceKernels.Softmax<T, TNum>));
        kernel(Grid(n), n, dim, inner, log ? 1 : 0, x.View<T>(), y.View<T>());
    }

    private void SoftmaxBackwardCore<T, TNum>(IlgpuStorage y, IlgpuStorage gy, int outer, int dim, int inner, IlgpuStorage gx, bool log)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = outer * inner;
        if (n == 0 || dim == 0) return;
        var kernel = Kernels.Get("softmax_backward", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ReduceKernels.SoftmaxBackward<T, TNum>));
        kernel(Grid(n), n, dim, inner, log ? 1 : 0, y.View<T>(), gy.View<T>(), gx.View<T>());
    }
}
