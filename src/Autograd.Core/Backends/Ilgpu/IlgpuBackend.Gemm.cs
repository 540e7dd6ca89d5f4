using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    public void Gemm(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        Storage a,
        int aOffset,
        int lda,
        long aBatchStride,
        Storage b,
        int bOffset,
        int ldb,
        long bBatchStride,
        Storage c,
        int cOffset,
        int ldc,
        long cBatchStride,
        int batch,
        bool accumulate)
    {
        var p = new GemmArgs
        {
            M = m,
            N = n,
            K = k,
            TransA = transA ? 1 : 0,
            TransB = transB ? 1 : 0,
            Accumulate = accumulate ? 1 : 0,
            AOffset = aOffset,
            BOffset = bOffset,
            COffset = cOffset,
            Lda = lda,
            Ldb = ldb,
            Ldc = ldc,
            ABatchStride = aBatchStride,
            BBatchStride = bBatchStride,
            CBatchStride = cBatchStride,
        };
        switch (c.DType)
        {
            case DType.Float32: GemmCore<float, Float32Math>(p, Of(a), Of(b), Of(c), batch); break;
            case DType.Float64: GemmCore<double, Float64Math>(p, Of(a), Of(b), Of(c), batch); break;
            default: throw new NotSupportedException($"matmul of dtype {c.DType.TorchName()}; convert it with Float() first");
        }
    }

    private void GemmCore<T, TNum>(GemmArgs p, IlgpuStorage a, IlgpuStorage b, IlgpuStorage c, int batch)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        if (p.M == 0 || p.N == 0 || batch == 0) return;
        if (p.K == 0)
        {
            // An empty sum: C = 0, or C unchanged when accumulating.
            if (p.Accumulate == 0) ZeroMatrices<T>(p, c, batch);
            return;
        }

        if (batch == 1 && SplitKSlices(p) is int slices and > 1)
        {
            GemmSplitK<T, TNum>(p, a, b, c, slices);
            return;
        }

        Launch<T, TNum>(p, a, b, c, batch);
    }

    /// <summary>
    /// How many slices of K one matrix's product is split into: enough to give every multiprocessor a couple of
    /// groups when the tiles alone cannot (a convolution's weight gradient is a GEMM of a few dozen rows and columns
    /// summed over batch x output pixels, K ~ 10^4-10^5: unsplit, it ran on 1 to 5 groups of an H200's 132
    /// multiprocessors); never slices shorter than <see cref="SplitKMinimumSlice"/>.
    /// </summary>
    internal int SplitKSlices(GemmArgs p)
    {
        int block = GemmThreads * GemmKernels.Work;
        long tiles = (long)((p.M + block - 1) / block) * ((p.N + block - 1) / block);
        long wanted = 2L * Accelerator.NumMultiprocessors;
        if (tiles >= wanted || p.K < 2 * SplitKMinimumSlice) return 1;
        return (int)Math.Min(Math.Min(wanted / tiles, p.K / SplitKMinimumSlice), SplitKMaximumSlices);
    }

    /// <summary>Shortest K slice worth a group of its own.</summary>
    private const int SplitKMinimumSlice = 256;

    /// <summary>Most slices: each costs M x N partial sums to write and read back.</summary>
    private const int SplitKMaximumSlices = 64;

    /// <summary>
    /// C (=|+=) op(A) op(B) as the sum of the products of K's slices: each slice is one matrix of a batched launch
    /// into a scratch buffer of partial products (the batch strides step A and B along K), the last, shorter slice
    /// a launch of its own; the partials are then summed in slice order (deterministic) and written into C with its
    /// row stride, added when accumulating.
    /// </summary>
    private void GemmSplitK<T, TNum>(GemmArgs p, IlgpuStorage a, IlgpuStorage b, IlgpuStorage c, int slices)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int sliceK = ((((p.K + slices - 1) / slices) + GemmKernels.TileK - 1) / GemmKernels.TileK) * GemmKernels.TileK;
        slices = (p.K + sliceK - 1) / sliceK;
        int mn = p.M * p.N;
        var partials = Of(Allocate(c.DType, slices * mn));
        var sum = Of(Allocate(c.DType, mn));
        try
        {
            var q = p;
            q.K = sliceK;
            q.Accumulate = 0;
            q.COffset = 0;
            q.Ldc = p.N;
            q.CBatchStride = mn;
            q.ABatchStride = p.TransA != 0 ? (long)sliceK * p.Lda : sliceK;
            q.BBatchStride = p.TransB != 0 ? sliceK : (long)sliceK * p.Ldb;
            if (slices > 1) Launch<T, TNum>(q, a, b, partials, slices - 1);
            var last = q;
            last.K = p.K - ((slices - 1) * sliceK);
            last.AOffset = p.AOffset + ((slices - 1) * q.ABatchStride);
            last.BOffset = p.BOffset + ((slices - 1) * q.BBatchStride);
            last.COffset = (long)(slices - 1) * mn;
            Launch<T, TNum>(last, a, b, partials, 1);
            ReduceCore<T, TNum>(ReduceOp.Sum, partials, 1, slices, mn, sum);
            StridedCopy(sum, 0, [p.N, 1], c, (int)p.COffset, [p.Ldc, 1], [p.M, p.N], accumulate: p.Accumulate != 0);
        }
        finally
        {
            partials.RemoveReference();
            sum.RemoveReference();
        }
    }

    private void Launch<T, TNum>(GemmArgs p, IlgpuStorage a, IlgpuStorage b, IlgpuStorage c, int batch)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int threads = GemmThreads;
        var kernel = threads == GemmKernels.WideThreads
            ? Kernels.Get("gemm_wide", typeof(T), static acc => acc.LoadStreamKernel<GemmArgs, ArrayView<T>, ArrayView<T>, ArrayView<T>>(GemmKernels.Gemm<T, TNum, WideTile>))
            : Kernels.Get("gemm_narrow", typeof(T), static acc => acc.LoadStreamKernel<GemmArgs, ArrayView<T>, ArrayView<T>, ArrayView<T>>(GemmKernels.Gemm<T, TNum, NarrowTile>));
        int block = threads * GemmKernels.Work;
        long tilesPerMatrix = (long)((p.M + block - 1) / block) * ((p.N + block - 1) / block);
        // The kernel numbers tiles with an int: a batch with more tiles than that is launched in chunks of matrices.
        int matricesPerLaunch = (int)Math.Min(batch, Math.Max(1, int.MaxValue / tilesPerMatrix));
        var group = new Index3D(threads, threads, 1);
        for (int b0 = 0; b0 < batch; b0 += matricesPerLaunch)
        {
            var chunk = p;
            chunk.Batch = Math.Min(matricesPerLaunch, batch - b0);
            chunk.AOffset += b0 * p.ABatchStride;
            chunk.BOffset += b0 * p.BBatchStride;
            chunk.COffset += b0 * p.CBatchStride;
            // A bounded grid walks the tiles (see GemmKernels): as many groups as the 1-D kernels launch at most.
            int groups = (int)Math.Min(tilesPerMatrix * chunk.Batch, _maxGroups);
            kernel(new KernelConfig(new Index3D(groups, 1, 1), group), chunk, a.View<T>(), b.View<T>(), c.View<T>());
        }
    }

    private void ZeroMatrices<T>(GemmArgs p, IlgpuStorage c, int batch)
        where T : unmanaged
    {
        for (int i = 0; i < batch; i++)
        {
            int offset = (int)(p.COffset + (i * p.CBatchStride));
            StridedCopyZero(c, offset, p.M, p.N, p.Ldc);
        }
    }

    /// <summary>Zeroes an m x n block with row stride ldc (a strided copy from a one-element zero, broadcast).</summary>
    private void StridedCopyZero(IlgpuStorage c, int offset, int m, int n, int ldc)
    {
        var zero = Allocate(c.DType, 1);
        try
        {
            Fill(zero, 0);
            StridedCopy(zero, 0, [0, 0], c, offset, [ldc, 1], [m, n], accumulate: false);
        }
        finally
        {
            zero.RemoveReference();
        }
    }
}
