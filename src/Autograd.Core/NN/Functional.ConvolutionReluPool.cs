using Autograd.Backends;
using Autograd.Graph;

namespace Autograd.NN;

/// <summary>
/// Conv2d, ReLU and MaxPool2d as one op, tile by tile (<see cref="Sequential"/> runs the three modules this way on the
/// CPU). Unfused, the convolution's output goes through memory three times forward (written by the permute, read and
/// written by ReLU, read by the pool) and four times backward (the pool's scattered gradient, ReLU's, the permute into
/// the GEMM layout): for the reference CNN's first layer that is 11 MB a pass at batch 128, and those streaming ops
/// took ~4.5 of a 22 ms step on one core and slowed down by 20-40% when two silos ran on the two cores (they share the
/// L3 cache and the memory bus). Fused, each tile's GEMM product gets its bias, ReLU and pooling while it is still in
/// the cache, and only the pooled values and their indices reach memory; backward scatters each tile's pooled gradient
/// straight into the GEMM layout.
/// The values are the unfused ops' (the same GEMM tiles, the same kernels): ReLU's gradient passes where its output is
/// positive, and at the maximum of a window, the only place the pool sends a gradient, that output is the pooled value
/// itself, so the pooled gradient is masked by the pooled output before it is scattered. Only the bias gradient sums in
/// another order (tile by tile).
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// max_pool2d(relu(conv2d(input, weight, bias))) with the arguments of <see cref="Conv2d(Tensor, Tensor, Tensor?, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, int)"/>
    /// and <see cref="MaxPool2d(Tensor, ValueTuple{int, int}, ValueTuple{int, int}?, ValueTuple{int, int}, ValueTuple{int, int})"/>,
    /// checked as each op checks them (a pooling error names the convolution's output shape, the pool's input).
    /// </summary>
    internal static Tensor Conv2dReluMaxPool2d(
        Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups,
        (int H, int W) poolKernel, (int H, int W)? poolStride, (int H, int W) poolPadding, (int H, int W) poolDilation, int tileFloats = ConvolutionTileFloats)
    {
        var x = Conv2dInput(input, weight, bias, stride, padding, dilation, groups, out var g);
        var w = weight.ShapeRef;
        int[] convolved = [g.Batch, w[0], g.OutH, g.OutW];
        var pool = PoolGeometry(convolved, input.Dim == 4 ? convolved : convolved[1..], poolKernel, poolStride, poolPadding, poolDilation, "MaxPool2d");
        int tile = ConvolutionTileSamples(x, g, w[0], tileFloats);
        var y = ConvReluPoolTiled(x, weight, bias, g, groups, pool, tile);
        return input.Dim == 3 ? y.Squeeze(0) : y;
    }

    private static Tensor ConvReluPoolTiled(Tensor x, Tensor weight, Tensor? bias, WindowGeometry g, int groups, WindowGeometry pool, int tile)
    {
        var backend = x.Backend;
        int n = g.Batch, cout = weight.ShapeRef[0];
        int plane = g.OutH * g.OutW, pooledPlane = pool.OutH * pool.OutW;
        int sampleOut = cout * pooledPlane;
        int kernelArea = g.KernelH * g.KernelW;
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        bool record = GraphRecorder.NeedsGrad(inputs);
        var y = Tensor.Empty([n, cout, pool.OutH, pool.OutW], x.DType, x.Device);
        // Each window's maximum, per tile in the tile's layout [Cout, count, PH*PW], which backward reads as it is.
        var indices = new List<Tensor>((n + tile - 1) / tile);
        using (var image = Tensor.Empty([tile, g.Channels, g.Height, g.Width], x.DType, x.Device))
        using (var columns = Tensor.Empty([g.Channels * kernelArea, tile * plane], x.DType, x.Device))
        using (var product = Tensor.Empty([cout, tile * plane], x.DType, x.Device))
        using (var pooled = Tensor.Empty([cout, tile * pooledPlane], x.DType, x.Device))
        using (var scratch = record ? null : Tensor.Empty([cout, tile * pooledPlane], DType.Int64, x.Device))
        {
            for (int first = 0; first < n; first += tile)
            {
                int count = Math.Min(tile, n - first);
                var layout = TileLayout(g, cout, groups, count);
                ConvolutionTileForward(backend, x, weight, image, columns, product, g with { Batch = count }, layout, groups, first);
                if (bias is not null) backend.Binary(BinaryOp.Add, product.Storage, [cout, layout.Columns], bias.Storage, [cout, 1], product.Storage, [cout, layout.Columns]);
                backend.Unary(UnaryOp.Relu, product.Storage, product.Storage, 0, 0);
                // The product [Cout, count, OH, OW] is Cout x count planes, each contiguous: the pool takes them as they lie.
                var at = scratch ?? Tensor.Empty([cout, count * pooledPlane], DType.Int64, x.Device);
                if (scratch is null) indices.Add(at);
                backend.MaxPool2d(product.Storage, TilePlanes(pool, cout, count), pooled.Storage, at.Storage);
                // [Cout, count, PH*PW] into samples first..first+count of y [N, Cout, PH*PW].
                backend.StridedCopy(pooled.Storage, 0, [pooledPlane, count * pooledPlane, 1], y.Storage, first * sampleOut, [sampleOut, pooledPlane, 1], [count, cout, pooledPlane], accumulate: false);
            }
        }

        if (!record) return y;

        bool weightGrad = weight.RequiresGrad, inputGrad = x.RequiresGrad, biasGrad = bias is not null && bias.RequiresGrad;
        // The output, which masks the gradient, is checked by the node itself.
        return GraphRecorder.Record(y, "ConvolutionReluMaxPool2DBackward0", inputs, TiledConvolutionSaved(x, weight), gp =>
        {
            var b = gp.Backend;
            Tensor? gx = inputGrad ? Tensor.Empty([n, g.Channels, g.Height, g.Width], gp.DType, gp.Device) : null;
            Tensor? gw = weightGrad ? Tensor.Empty(weight.ShapeRef, gp.DType, gp.Device) : null;
            Tensor? gb = biasGrad ? Tensor.Empty([cout], gp.DType, gp.Device) : null;
            using var masked = Tensor.Empty(y.ShapeRef, gp.DType, gp.Device);
            b.UnaryBackward(UnaryOp.Relu, y.Storage, y.Storage, gp.Storage, masked.Storage, 0, 0);
            using var gT = Tensor.Empty([cout, tile * plane], gp.DType, gp.Device);
            using var image = Tensor.Empty([tile, g.Channels, g.Height, g.Width], gp.DType, gp.Device);
            using var columns = Tensor.Empty([g.Channels * kernelArea, tile * plane], gp.DType, gp.Device);
            using var pooledGrad = Tensor.Empty([cout, tile * pooledPlane], gp.DType, gp.Device);
            using var biasPart = gb is null ? null : Tensor.Empty([cout], gp.DType, gp.Device);
            for (int first = 0; first < n; first += tile)
            {
                int count = Math.Min(tile, n - first);
                var layout = TileLayout(g, cout, groups, count);
                // The tile's masked pooled gradient [count, Cout, PH*PW] as [Cout, count, PH*PW], scattered into gT
                // [Cout, count*OH*OW] at the tile's indices: the pool's backward over the planes of the GEMM layout.
                b.StridedCopy(masked.Storage, first * sampleOut, [pooledPlane, sampleOut, 1], pooledGrad.Storage, 0, [count * pooledPlane, pooledPlane, 1], [cout, count, pooledPlane], accumulate: false);
                b.MaxPool2dBackward(pooledGrad.Storage, indices[first / tile].Storage, TilePlanes(pool, cout, count), gT.Storage);
                ConvolutionTileBackward(b, x, weight, gT, image, columns, g with { Batch = count }, layout, groups, first, gw, gx);
                if (gb is not null && biasPart is not null)
                {
                    b.Reduce(ReduceOp.Sum, gT.Storage, cout, layout.Columns, 1, first == 0 ? gb.Storage : biasPart.Storage);
                    if (first > 0) b.StridedCopy(biasPart.Storage, 0, [1], gb.Storage, 0, [1], [cout], accumulate: true);
                }
            }

            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>The pool's windows over the planes of a tile's GEMM product: Cout x count planes of OH x OW.</summary>
    private static WindowGeometry TilePlanes(in WindowGeometry pool, int cout, int count) => pool with { Batch = cout, Channels = count };
}
