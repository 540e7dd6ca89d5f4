using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    public void StridedCopy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape, bool accumulate)
    {
        switch (dst.DType)
        {
            case DType.Float32: StridedCopyCore<float, Float32Math>(Of(src), srcOffset, srcStrides, Of(dst), dstOffset, dstStrides, shape, accumulate); break;
            case DType.Float64: StridedCopyCore<double, Float64Math>(Of(src), srcOffset, srcStrides, Of(dst), dstOffset, dstStrides, shape, accumulate); break;
            default: StridedCopyCore<long, Int64Element>(Of(src), srcOffset, srcStrides, Of(dst), dstOffset, dstStrides, shape, accumulate); break;
        }
    }

    public void IndexSelect(Storage x, int outer, int dimSize, int inner, Storage index, int count, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: IndexSelectCore<float>(Of(x), outer, dimSize, inner, Of(index), count, Of(y)); break;
            case DType.Float64: IndexSelectCore<double>(Of(x), outer, dimSize, inner, Of(index), count, Of(y)); break;
            default: IndexSelectCore<long>(Of(x), outer, dimSize, inner, Of(index), count, Of(y)); break;
        }
    }

    public void IndexAdd(Storage gy, int outer, int dimSize, int inner, Storage index, int count, Storage gx)
    {
        if (gx.DType == DType.Float32) IndexAddCore<float, Float32Math>(Of(gy), outer, dimSize, inner, Of(index), count, Of(gx));
        else if (gx.DType == DType.Float64) IndexAddCore<double, Float64Math>(Of(gy), outer, dimSize, inner, Of(index), count, Of(gx));
        else throw new NotSupportedException($"index_add of dtype {gx.DType.TorchName()}");
    }

    public void Gather(Storage x, int outer, int dimSize, int inner, Storage index, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: GatherCore<float>(Of(x), outer, dimSize, inner, Of(index), Of(y)); break;
            case DType.Float64: GatherCore<double>(Of(x), outer, dimSize, inner, Of(index), Of(y)); break;
            default: GatherCore<long>(Of(x), outer, dimSize, inner, Of(index), Of(y)); break;
        }
    }

    public void ScatterAdd(Storage gy, int outer, int dimSize, int inner, Storage index, Storage gx)
    {
        switch (gx.DType)
        {
            case DType.Float32: ScatterAddCore<float, Float32Math>(Of(gy), outer, dimSize, inner, Of(index), Of(gx)); break;
            case DType.Float64: ScatterAddCore<double, Float64Math>(Of(gy), outer, dimSize, inner, Of(index), Of(gx)); break;
            default: ScatterAddCore<long, Int64Element>(Of(gy), outer, dimSize, inner, Of(index), Of(gx)); break;
        }
    }

    private void StridedCopyCore<T, TElem>(IlgpuStorage src, int srcOffset, int[] srcStrides, IlgpuStorage dst, int dstOffset, int[] dstStrides, int[] shape, bool accumulate)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n == 0) return;
        if (!StridedLayout.TryCreate(shape, srcStrides, dstStrides, default, out var layout))
        {
            // More distinct dimensions than a kernel argument holds: one launch per index of the outermost.
            for (int i = 0; i < shape[0]; i++)
                StridedCopyCore<T, TElem>(src, srcOffset + (i * srcStrides[0]), srcStrides[1..], dst, dstOffset + (i * dstStrides[0]), dstStrides[1..], shape[1..], accumulate);
            return;
        }

        var kernel = Kernels.Get("strided_copy", typeof(T), static a => a.LoadStreamKernel<int, StridedLayout, int, ArrayView<T>, int, ArrayView<T>, int>(CopyKernels.StridedCopy<T, TElem>));
        kernel(Grid(n), (int)n, layout, srcOffset, src.View<T>(), dstOffset, dst.View<T>(), accumulate ? 1 : 0);
    }

    private void IndexSelectCore<T>(IlgpuStorage x, int outer, int dimSize, int inner, IlgpuStorage index, int count, IlgpuStorage y)
        where T : unmanaged
    {
        int n = outer * count * inner;
        if (n == 0) return;
        var kernel = Kernels.Get("index_select", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, ArrayView<T>, ArrayView<long>, ArrayView<T>, ArrayView<long>>(CopyKernels.IndexSelect));
        kernel(Grid(n), n, dimSize, count, inner, x.View<T>(), index.View<long>(), y.View<T>(), IndexErrors);
    }

    private void IndexAddCore<T, TNum>(IlgpuStorage gy, int outer, int dimSize, int inner, IlgpuStorage index, int count, IlgpuStorage gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = outer * count * inner;
        if (n == 0) return;
        var kernel = Kernels.Get("index_add", typeof(T), static a => a.LoadStreamKernel<int, int, int, int, ArrayView<T>, ArrayView<long>, ArrayView<T>, ArrayView<long>>(CopyKernels.IndexAdd<T, TNum>));
        kernel(Grid(n), n, dimSize, count, inner, gy.View<T>(), index.View<long>(), gx.View<T>(), IndexErrors);
    }

    private void GatherCore<T>(IlgpuStorage x, int outer, int dimSize, int inner, IlgpuStorage index, IlgpuStorage y)
        where T : unmanaged
    {
        int n = outer * inner;
        if (n == 0) return;
        var kernel = Kernels.Get("gather", typeof(T), static a => a.LoadStreamKernel<int, int, int, ArrayView<T>, ArrayView<long>, ArrayView<T>, ArrayView<long>>(CopyKernels.Gather));
        kernel(Grid(n), n, dimSize, inner, x.View<T>(), index.View<long>(), y.View<T>(), IndexErrors);
    }

    private void ScatterAddCore<T, TElem>(IlgpuStorage gy, int outer, int dimSize, int inner, IlgpuStorage index, IlgpuStorage gx)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        int n = outer * inner;
        if (n == 0) return;
        var kernel = Kernels.Get("scatter_add", typeof(T), static a => a.LoadStreamKernel<int, int, int, ArrayView<T>, ArrayView<long>, ArrayView<T>, ArrayView<long>>(CopyKernels.ScatterAdd<T, TElem>));
        kernel(Grid(n), n, dimSize, inner, gy.View<T>(), index.View<long>(), gx.View<T>(), IndexErrors);
    }
}
