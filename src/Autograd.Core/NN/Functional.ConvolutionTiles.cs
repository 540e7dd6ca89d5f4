using Autograd.Backends;
using Autograd.Backends.Cpu.Threading;
using Autograd.Graph;

namespace Autograd.NN;

/// <summary>
/// 2-D convolution on the CPU over a large batch, a few samples at a time: im2col, GEMM and the permute into the output
/// run per tile of samples, on buffers small enough to stay in the core's cache between the op that writes them and the
/// one that reads them. Over the whole batch the CNN benchmark's second layer writes and reads a 17.8 MB column matrix
/// per step (batch 128), which leaves the cache for memory: the reference CNN ran 11% faster per sample at batch 32
/// than at 128 (5311 against 4758 samples/s, one thread), and two such processes on the two cores of this machine slowed
/// each other by 6-7% at batch 128, by under 1% at 32 (they share the L3 cache and memory bandwidth).
/// Backward unfolds each tile of the input again for the weight gradient (accumulated tile by tile) instead of keeping
/// the whole column matrix from forward, as PyTorch's CPU convolution does per sample. Not for GPU backends, whose
/// kernels want the whole batch at once.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// Floats of column matrix and GEMM product per tile and CPU thread: 256K floats = 1 MiB, half the L2 cache of a
    /// core here, so the tile's columns are still there when the GEMM reads them.
    /// </summary>
    internal const int ConvolutionTileFloats = 256 * 1024;

    /// <summary>Samples per tile of a convolution: the whole batch off the CPU, else as many as fit <paramref name="tileFloats"/> per thread.</summary>
    internal static int ConvolutionTileSamples(Tensor x, in WindowGeometry g, int cout, int tileFloats)
    {
        if (x.Device.Kind != DeviceKind.Cpu) return g.Batch;
        long perSample = ((long)g.Channels * g.KernelH * g.KernelW + cout) * g.OutH * g.OutW;
        long budget = (long)tileFloats * CpuParallel.DegreeOfParallelism;
        return (int)Math.Clamp(budget / Math.Max(1, perSample), 1, Math.Max(1, g.Batch));
    }

    private static Tensor Conv2dTiled(Tensor x, Tensor weight, Tensor? bias, WindowGeometry g, int groups, int tile)
    {
        var backend = x.Backend;
        int n = g.Batch, cout = weight.ShapeRef[0];
        int plane = g.OutH * g.OutW, sampleOut = cout * plane;
        int kernelArea = g.KernelH * g.KernelW;
        var y = Tensor.Empty([n, cout, g.OutH, g.OutW], x.DType, x.Device);
        using (var input = Tensor.Empty([tile, g.Channels, g.Height, g.Width], x.DType, x.Device))
        using (var columns = Tensor.Empty([g.Channels * kernelArea, tile * plane], x.DType, x.Device))
        using (var product = Tensor.Empty([cout, tile * plane], x.DType, x.Device))
        {
            for (int first = 0; first < n; first += tile)
            {
                int count = Math.Min(tile, n - first);
                var layout = TileLayout(g, cout, groups, count);
                ConvolutionTileForward(backend, x, weight, input, columns, product, g with { Batch = count }, layout, groups, first);
                // [Cout, count, OH*OW] into samples first..first+count of y [N, Cout, OH*OW].
                backend.StridedCopy(product.Storage, 0, [plane, layout.Columns, 1], y.Storage, first * sampleOut, [sampleOut, plane, 1], [count, cout, plane], accumulate: false);
            }
        }

        if (bias is not null) backend.Binary(BinaryOp.Add, y.Storage, [n, cout, plane], bias.Storage, [cout, 1], y.Storage, [n, cout, plane]);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!GraphRecorder.NeedsGrad(inputs)) return y;
        bool weightGrad = weight.RequiresGrad;
        bool inputGrad = x.RequiresGrad;
        bool biasGrad = bias is not null && bias.RequiresGrad;
        return GraphRecorder.Record(y, "ConvolutionBackward0", inputs, TiledConvolutionSaved(x, weight), gy =>
        {
            Tensor? gx = inputGrad ? Tensor.Empty([n, g.Channels, g.Height, g.Width], gy.DType, gy.Device) : null;
            Tensor? gw = weightGrad ? Tensor.Empty(weight.ShapeRef, gy.DType, gy.Device) : null;
            var gb = biasGrad ? BiasGradient(gy, n, cout, plane) : null;
            var b = gy.Backend;
            using var gT = Tensor.Empty([cout, tile * plane], gy.DType, gy.Device);
            using var image = Tensor.Empty([tile, g.Channels, g.Height, g.Width], gy.DType, gy.Device);
            using var columns = Tensor.Empty([g.Channels * kernelArea, tile * plane], gy.DType, gy.Device);
            for (int first = 0; first < n; first += tile)
            {
                int count = Math.Min(tile, n - first);
                var part = g with { Batch = count };
                var layout = TileLayout(g, cout, groups, count);
                // gy's samples first..first+count [count, Cout, OH*OW] as gT [Cout, count*OH*OW], the GEMMs' layout.
                b.StridedCopy(gy.Storage, first * sampleOut, [plane, sampleOut, 1], gT.Storage, 0, [layout.Columns, plane, 1], [cout, count, plane], accumulate: false);
                ConvolutionTileBackward(b, x, weight, gT, image, columns, part, layout, groups, first, gw, gx);
            }

            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>The GEMM sizes of a tile of <paramref name="count"/> samples.</summary>
    private static ConvLayout TileLayout(in WindowGeometry g, int cout, int groups, int count) =>
        new(g.Channels / groups, cout / groups, g.KernelH * g.KernelW, g.OutH * g.OutW, count * g.OutH * g.OutW);

    /// <summary>
    /// What a tiled convolution's backward reads again: the input (as PyTorch saves it) for the weight gradient, which
    /// unfolds it tile by tile, the weight for the input gradient. The graph refuses a backward after either was
    /// disposed or changed in place.
    /// </summary>
    private static Tensor[] TiledConvolutionSaved(Tensor x, Tensor weight) =>
        weight.RequiresGrad ? (x.RequiresGrad ? [weight, x] : [x]) : (x.RequiresGrad ? [weight] : []);

    /// <summary>The GEMM product [Cout, count*OH*OW] of the tile of <paramref name="part"/>.Batch samples from <paramref name="first"/>.</summary>
    private static void ConvolutionTileForward(
        IBackend backend, Tensor x, Tensor weight, Tensor image, Tensor columns, Tensor product, in WindowGeometry part, ConvLayout layout, int groups, int first)
    {
        UnfoldTile(backend, x, image, columns, part, first);
        ConvolutionGemm(backend, weight, columns, product, layout, groups);
    }

    /// <summary>
    /// The column matrix of the tile of <paramref name="part"/>.Batch samples from <paramref name="first"/>: the tile
    /// copied into <paramref name="image"/> (Im2Col reads from the start of a storage), unfolded into <paramref name="columns"/>.
    /// </summary>
    private static void UnfoldTile(IBackend backend, Tensor x, Tensor image, Tensor columns, in WindowGeometry part, int first)
    {
        int sampleIn = part.Channels * part.Height * part.Width;
        backend.StridedCopy(x.Storage, first * sampleIn, [1], image.Storage, 0, [1], [part.Batch * sampleIn], accumulate: false);
        backend.Im2Col(image.Storage, part, columns.Storage);
    }

    /// <summary>
    /// The weight gradient (accumulated after the first tile) and the input gradient of the tile of <paramref name="part"/>.Batch
    /// samples from <paramref name="first"/>, given its output gradient <paramref name="gT"/> in the GEMM layout
    /// [Cout, count*OH*OW]. <paramref name="image"/> holds the tile's input for the weight gradient, then its gradient
    /// for the input's: one buffer for both.
    /// </summary>
    private static void ConvolutionTileBackward(
        IBackend b, Tensor x, Tensor weight, Tensor gT, Tensor image, Tensor columns, in WindowGeometry part, ConvLayout layout, int groups, int first, Tensor? gw, Tensor? gx)
    {
        int sampleIn = part.Channels * part.Height * part.Width, count = part.Batch;
        if (gw is not null)
        {
            UnfoldTile(b, x, image, columns, part, first);
            WeightGradientGemm(b, gT, columns, gw, layout, groups, accumulate: first > 0);
        }

        if (gx is not null)
        {
            ColumnsGradientGemm(b, weight, gT, columns, layout, groups);
            b.Col2Im(columns.Storage, part, image.Storage);
            b.StridedCopy(image.Storage, 0, [1], gx.Storage, first * sampleIn, [1], [count * sampleIn], accumulate: false);
        }
    }

    // gb[c] = the sum of gy [N, Cout, OH*OW] over samples and positions: over the samples first, then each channel's plane.
    private static Tensor BiasGradient(Tensor gy, int n, int cout, int plane)
    {
        var b = gy.Backend;
        using var perPosition = Tensor.Empty([cout * plane], gy.DType, gy.Device);
        b.Reduce(ReduceOp.Sum, gy.Storage, 1, n, cout * plane, perPosition.Storage);
        var gb = Tensor.Empty([cout], gy.DType, gy.Device);
        b.Reduce(ReduceOp.Sum, perPosition.Storage, cout, plane, 1, gb.Storage);
        return gb;
    }
}
