using Autograd.Backends;
using Autograd.Graph;

namespace Autograd.NN;

/// <summary>2-D max and average pooling on the backend's window kernels, with PyTorch's argument rules.</summary>
public static partial class Functional
{
    /// <summary>
    /// 2-D max pooling (F.max_pool2d) of input [N, C, H, W] (or [C, H, W]); stride defaults to the kernel size,
    /// padding counts as -infinity. The gradient goes to the (first) maximum of each window.
    /// </summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1) =>
        MaxPool2d(input, (kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation));

    /// <summary>2-D max pooling with separate (height, width) kernel, stride (null = kernel), padding and dilation.</summary>
    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride, (int H, int W) padding, (int H, int W) dilation)
    {
        const string op = "MaxPool2d";
        var x = PoolInput(input, kernelSize, stride, padding, dilation, op, out var g);
        var y = Tensor.Empty([g.Batch, g.Channels, g.OutH, g.OutW], x.DType, x.Device);
        var backend = x.Backend;
        if (!GraphRecorder.NeedsGrad(x))
        {
            // Inference: the indices are only for backward.
            using var scratch = Tensor.Empty(y.ShapeRef, DType.Int64, x.Device);
            backend.MaxPool2d(x.Storage, g, y.Storage, scratch.Storage);
            return Unbatch(input, y);
        }

        var indices = Tensor.Empty(y.ShapeRef, DType.Int64, x.Device);
        backend.MaxPool2d(x.Storage, g, y.Storage, indices.Storage);
        var inputShape = x.ShapeRef;
        y = GraphRecorder.Record(y, "MaxPool2DWithIndicesBackward0", [x], [indices], gy =>
        {
            var gx = Tensor.Empty(inputShape, gy.DType, gy.Device);
            gy.Backend.MaxPool2dBackward(gy.Storage, indices.Storage, g, gx.Storage);
            return [gx];
        });
        return Unbatch(input, y);
    }

    /// <summary>
    /// 2-D average pooling (F.avg_pool2d) of input [N, C, H, W] (or [C, H, W]); stride defaults to the kernel size.
    /// With <paramref name="countIncludePad"/> the zero padding counts in each window's divisor.
    /// </summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true) =>
        AvgPool2d(input, (kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), countIncludePad);

    /// <summary>2-D average pooling with separate (height, width) kernel, stride (null = kernel) and padding.</summary>
    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride, (int H, int W) padding, bool countIncludePad)
    {
        const string op = "AvgPool2d";
        var x = PoolInput(input, kernelSize, stride, padding, (1, 1), op, out var g);
        var y = Tensor.Empty([g.Batch, g.Channels, g.OutH, g.OutW], x.DType, x.Device);
        x.Backend.AvgPool2d(x.Storage, g, countIncludePad, y.Storage);
        var inputShape = x.ShapeRef;
        y = GraphRecorder.Record(y, "AvgPool2DBackward0", [x], [], gy =>
        {
            var gx = Tensor.Empty(inputShape, gy.DType, gy.Device);
            gy.Backend.AvgPool2dBackward(gy.Storage, g, countIncludePad, gx.Storage);
            return [gx];
        });
        return Unbatch(input, y);
    }

    /// <summary>Checks a pooling call as PyTorch does and returns the 4-D input with its window geometry.</summary>
    private static Tensor PoolInput(Tensor input, (int H, int W) kernel, (int H, int W)? stride, (int H, int W) padding, (int H, int W) dilation, string op, out WindowGeometry g)
    {
        CheckFloatingPoint(input, "input", op);
        var x = BatchedImage(input, op);
        g = PoolGeometry(x.ShapeRef, input.ShapeRef, kernel, stride, padding, dilation, op);
        return x;
    }

    /// <summary>
    /// The window geometry of a pool over a [N, C, H, W] input of <paramref name="shape"/>, checked as PyTorch does;
    /// errors show the caller's <paramref name="shownShape"/> (3-D for an unbatched input).
    /// </summary>
    private static WindowGeometry PoolGeometry(int[] shape, int[] shownShape, (int H, int W) kernel, (int H, int W)? stride, (int H, int W) padding, (int H, int W) dilation, string op)
    {
        CheckAtLeast(kernel, 1, "kernel_size", op);
        var step = stride ?? kernel;
        CheckAtLeast(step, 1, "stride", op);
        CheckAtLeast(padding, 0, "padding", op);
        CheckAtLeast(dilation, 1, "dilation", op);
        if (padding.H > kernel.H / 2 || padding.W > kernel.W / 2)
            throw new ArgumentException($"{op}: pad should be at most half of kernel size, but got padding=({padding.H}, {padding.W}) and kernel_size=({kernel.H}, {kernel.W}) (input {Tensor.ShapeString(shownShape)})");
        var s = shape;
        if (s[1] == 0 || s[2] == 0 || s[3] == 0)
            throw new ArgumentException($"{op}: expected an input with non-zero channel, height and width sizes, but got input of shape {Tensor.ShapeString(shownShape)}");
        var g = new WindowGeometry(s[0], s[1], s[2], s[3], kernel.H, kernel.W, step.H, step.W, padding.H, padding.W, dilation.H, dilation.W);
        CheckOutputSize(g, shownShape, op);
        return g;
    }

    /// <summary>Drops the batch dimension again for an unbatched [C, H, W] input.</summary>
    private static Tensor Unbatch(Tensor input, Tensor y) => input.Dim == 3 ? y.Squeeze(0) : y;
}
