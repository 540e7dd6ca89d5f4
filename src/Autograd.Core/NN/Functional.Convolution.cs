using Autograd.Backends;
using Autograd.Graph;

namespace Autograd.NN;

/// <summary>
/// 2-D convolution as im2col + one GEMM over the whole batch: W [Cout, C*KH*KW] times the column matrix
/// [C*KH*KW, N*OH*OW] gives [Cout, N, OH*OW], permuted once into [N, Cout, OH, OW]. One large GEMM is several
/// times faster than a GEMM per sample (measured: 1.4 ms against 5.4 ms for the CNN benchmark's second layer), and
/// the permute costs a fraction of that. Groups are blocks of rows of the weight and of the column matrix, one
/// batched GEMM call. On the CPU a batch whose column matrix outgrows the cache goes by tiles of samples
/// (Functional.ConvolutionTiles.cs), each still one GEMM over several samples.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// 2-D convolution (F.conv2d) of input [N, C, H, W] (or unbatched [C, H, W]) with weight
    /// [Cout, C/groups, KH, KW] and optional bias [Cout]; the same stride, padding and dilation for both axes.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>2-D convolution (F.conv2d) with separate (height, width) stride, zero padding and dilation.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups) =>
        Conv2d(input, weight, bias, stride, padding, dilation, groups, ConvolutionTileFloats);

    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, int)"/>
    /// with CPU tiles of <paramref name="tileFloats"/> floats per thread (see <see cref="ConvolutionTileFloats"/>;
    /// int.MaxValue: the whole batch at once).
    /// </summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups, int tileFloats)
    {
        var x = Conv2dInput(input, weight, bias, stride, padding, dilation, groups, out var geometry);
        int tile = ConvolutionTileSamples(x, geometry, weight.ShapeRef[0], tileFloats);
        var y = tile < geometry.Batch ? Conv2dTiled(x, weight, bias, geometry, groups, tile) : Conv2dCore(x, weight, bias, geometry, groups);
        return input.Dim == 3 ? y.Squeeze(0) : y;
    }

    /// <summary>Checks a convolution's arguments as PyTorch does; the 4-D input and the convolution's window geometry.</summary>
    private static Tensor Conv2dInput(
        Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups, out WindowGeometry g)
    {
        const string op = "Conv2d";
        CheckConv2dArguments(input, weight, bias, stride, padding, dilation, groups);
        var x = BatchedImage(input, op);
        var s = x.ShapeRef;
        var w = weight.ShapeRef;
        g = new WindowGeometry(s[0], s[1], s[2], s[3], w[2], w[3], stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        CheckOutputSize(g, input.ShapeRef, op);
        return x;
    }

    private static void CheckConv2dArguments(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        const string op = "Conv2d";
        Tensor.CheckSameDevice(input, weight, op);
        CheckFloatingPoint(input, "input", op);
        if (weight.Dim != 4)
            throw new ArgumentException($"{op}: weight must be 4-D [out_channels, in_channels/groups, kH, kW], but got weight of shape {Tensor.ShapeString(weight.ShapeRef)} (input {Tensor.ShapeString(input.ShapeRef)})");
        if (input.Dim is not (3 or 4))
            throw new ArgumentException($"{op}: expected a 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input to go with weight {Tensor.ShapeString(weight.ShapeRef)}, but got input of shape {Tensor.ShapeString(input.ShapeRef)}");
        if (weight.DType != input.DType)
            throw new ArgumentException($"{op}: input ({input.DType.TorchName()}) and weight ({weight.DType.TorchName()}) must have the same dtype");
        if (groups <= 0) throw new ArgumentException($"{op}: groups must be positive, but got groups={groups}");
        CheckAtLeast(stride, 1, "stride", op);
        CheckAtLeast(padding, 0, "padding", op);
        CheckAtLeast(dilation, 1, "dilation", op);
        var w = weight.ShapeRef;
        int channels = input.ShapeRef[^3];
        if (w[0] % groups != 0)
            throw new ArgumentException($"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of shape {Tensor.ShapeString(w)}");
        if ((long)w[1] * groups != channels)
            throw new ArgumentException($"{op}: given groups={groups}, weight of shape {Tensor.ShapeString(w)}, expected input {Tensor.ShapeString(input.ShapeRef)} to have {w[1] * groups} channels, but got {channels} channels instead");
        if (bias is null) return;
        Tensor.CheckSameDevice(input, bias, op);
        if (bias.Dim != 1 || bias.ShapeRef[0] != w[0])
            throw new ArgumentException($"{op}: bias must have shape [{w[0]}] to match weight {Tensor.ShapeString(w)}, but got bias of shape {Tensor.ShapeString(bias.ShapeRef)}");
        if (bias.DType != input.DType)
            throw new ArgumentException($"{op}: input ({input.DType.TorchName()}) and bias ({bias.DType.TorchName()}) must have the same dtype");
    }

    private static Tensor Conv2dCore(Tensor x, Tensor weight, Tensor? bias, WindowGeometry g, int groups)
    {
        var backend = x.Backend;
        int n = g.Batch, cout = weight.ShapeRef[0];
        int outH = g.OutH, outW = g.OutW, plane = outH * outW;
        var layout = new ConvLayout(g.Channels / groups, cout / groups, g.KernelH * g.KernelW, plane, n * plane);
        var columns = Tensor.Empty([g.Channels * layout.KernelArea, layout.Columns], x.DType, x.Device);
        backend.Im2Col(x.Storage, g, columns.Storage);

        // out[group block] (CoutG x N*OH*OW) = W[group block] (CoutG x rows) * columns[group rows] (rows x N*OH*OW).
        // For a single sample [Cout, 1, OH*OW] already is the output layout, so the GEMM writes it directly.
        var y = Tensor.Empty([n, cout, outH, outW], x.DType, x.Device);
        var product = n == 1 ? y : Tensor.Empty([cout, layout.Columns], x.DType, x.Device);
        ConvolutionGemm(backend, weight, columns, product, layout, groups);
        if (n != 1)
        {
            backend.StridedCopy(product.Storage, 0, [plane, layout.Columns, 1], y.Storage, 0, [cout * plane, plane, 1], [n, cout, plane], accumulate: false);
            product.Dispose();
        }

        if (bias is not null) backend.Binary(BinaryOp.Add, y.Storage, [n, cout, plane], bias.Storage, [cout, 1], y.Storage, [n, cout, plane]);

        bool needGrad = GraphRecorder.NeedsGrad(bias is null ? [x, weight] : [x, weight, bias]);
        bool weightGrad = needGrad && weight.RequiresGrad;
        bool inputGrad = needGrad && x.RequiresGrad;
        bool biasGrad = needGrad && bias is not null && bias.RequiresGrad;
        if (!weightGrad)
        {
            columns.Dispose();
            if (!needGrad) return y;
        }

        // The columns are the only big thing kept for backward (for the weight gradient); the input gradient needs
        // only the weight, which gets the in-place version check.
        var kept = new KeptColumns(weightGrad ? columns : null, x.Version);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GraphRecorder.Record(y, "ConvolutionBackward0", inputs, inputGrad ? [weight] : [], gy =>
        {
            // gy [N, Cout, OH, OW] as gT [Cout, N*OH*OW], the layout of the GEMMs (the same memory for one sample).
            var gT = gy;
            if (n != 1)
            {
                gT = Tensor.Empty([cout, layout.Columns], gy.DType, gy.Device);
                gy.Backend.StridedCopy(gy.Storage, 0, [plane, cout * plane, 1], gT.Storage, 0, [layout.Columns, plane, 1], [cout, n, plane], accumulate: false);
            }

            Tensor? gx = null, gw = null, gb = null;
            if (inputGrad) gx = Conv2dInputGradient(gT, weight, g, groups, layout);
            if (weightGrad)
            {
                var cols = kept.Get(x, g, layout);
                gw = Conv2dWeightGradient(gT, cols, weight.ShapeRef, groups, layout);
                kept.Release();
            }

            if (biasGrad)
            {
                gb = Tensor.Empty([cout], gy.DType, gy.Device);
                gy.Backend.Reduce(ReduceOp.Sum, gT.Storage, cout, layout.Columns, 1, gb.Storage);
            }

            if (!ReferenceEquals(gT, gy)) gT.Dispose();
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>gx = col2im(W^T gT), group by group.</summary>
    private static Tensor Conv2dInputGradient(Tensor gT, Tensor weight, in WindowGeometry g, int groups, ConvLayout layout)
    {
        var backend = gT.Backend;
        var gcols = Tensor.Empty([g.Channels * layout.KernelArea, layout.Columns], gT.DType, gT.Device);
        ColumnsGradientGemm(backend, weight, gT, gcols, layout, groups);
        var gx = Tensor.Empty([g.Batch, g.Channels, g.Height, g.Width], gT.DType, gT.Device);
        backend.Col2Im(gcols.Storage, g, gx.Storage);
        gcols.Dispose();
        return gx;
    }

    /// <summary>gW[group block] = gT[group block] columns[group rows]^T.</summary>
    private static Tensor Conv2dWeightGradient(Tensor gT, Tensor columns, int[] weightShape, int groups, ConvLayout layout)
    {
        var gw = Tensor.Empty(weightShape, gT.DType, gT.Device);
        WeightGradientGemm(gT.Backend, gT, columns, gw, layout, groups, accumulate: false);
        return gw;
    }

    /// <summary>product[group block] (CoutG x Columns) = W[group block] (CoutG x Rows) * columns[group rows] (Rows x Columns).</summary>
    private static void ConvolutionGemm(IBackend backend, Tensor weight, Tensor columns, Tensor product, ConvLayout layout, int groups) =>
        backend.Gemm(
            false, false, layout.CoutPerGroup, layout.Columns, layout.Rows,
            weight.Storage, 0, layout.Rows, layout.WeightGroupSize,
            columns.Storage, 0, layout.Columns, (long)layout.Rows * layout.Columns,
            product.Storage, 0, layout.Columns, (long)layout.CoutPerGroup * layout.Columns,
            groups, accumulate: false);

    /// <summary>gcols[group rows] = W[group block]^T gT[group block]: the gradient of the column matrix.</summary>
    private static void ColumnsGradientGemm(IBackend backend, Tensor weight, Tensor gT, Tensor gcols, ConvLayout layout, int groups) =>
        backend.Gemm(
            true, false, layout.Rows, layout.Columns, layout.CoutPerGroup,
            weight.Storage, 0, layout.Rows, layout.WeightGroupSize,
            gT.Storage, 0, layout.Columns, (long)layout.CoutPerGroup * layout.Columns,
            gcols.Storage, 0, layout.Columns, (long)layout.Rows * layout.Columns,
            groups, accumulate: false);

    /// <summary>gW[group block] (+)= gT[group block] columns[group rows]^T.</summary>
    private static void WeightGradientGemm(IBackend backend, Tensor gT, Tensor columns, Tensor gw, ConvLayout layout, int groups, bool accumulate) =>
        backend.Gemm(
            false, true, layout.CoutPerGroup, layout.Rows, layout.Columns,
            gT.Storage, 0, layout.Columns, (long)layout.CoutPerGroup * layout.Columns,
            columns.Storage, 0, layout.Columns, (long)layout.Rows * layout.Columns,
            gw.Storage, 0, layout.Rows, layout.WeightGroupSize,
            groups, accumulate);

    /// <summary>Sizes of one convolution: per group, the weight block is CoutPerGroup x Rows (Rows = Cg*KH*KW).</summary>
    private readonly record struct ConvLayout(int ChannelsPerGroup, int CoutPerGroup, int KernelArea, int Plane, int Columns)
    {
        /// <summary>Rows of the column matrix (and columns of the weight) per group.</summary>
        public int Rows => ChannelsPerGroup * KernelArea;

        public int WeightGroupSize => CoutPerGroup * Rows;
    }

    /// <summary>
    /// The column matrix kept from forward for the weight gradient. It goes back to the pool after the first
    /// backward; a second backward (retainGraph) unfolds the input again, provided it is still alive and unmodified.
    /// </summary>
    private sealed class KeptColumns(Tensor? columns, int inputVersion)
    {
        private Tensor? _columns = columns;

        public Tensor Get(Tensor x, in WindowGeometry g, ConvLayout layout)
        {
            if (_columns is { IsDisposed: false } columns) return columns;
            if (x.IsDisposed)
                throw new ObjectDisposedException(nameof(Tensor), "Conv2d: backward ran a second time, but the input it needs to rebuild its column matrix was disposed");
            if (x.Version != inputVersion)
                throw new InvalidOperationException(
                    $"one of the variables needed for gradient computation has been modified by an inplace operation: [{x.DType.TorchName()} {Tensor.ShapeString(x.ShapeRef)}], the input of ConvolutionBackward0, is at version {x.Version}; expected version {inputVersion} instead.");
            _columns = Tensor.Empty([g.Channels * layout.KernelArea, layout.Columns], x.DType, x.Device);
            x.Backend.Im2Col(x.Storage, g, _columns.Storage);
            return _columns;
        }

        public void Release() => _columns?.Dispose();
    }
}
