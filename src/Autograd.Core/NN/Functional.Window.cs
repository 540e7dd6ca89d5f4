namespace Autograd.NN;

/// <summary>Argument checks shared by the sliding-window ops (convolution and pooling).</summary>
public static partial class Functional
{
    /// <summary>A 4-D [N, C, H, W] input as it is, or a 3-D [C, H, W] one as a batch of one (PyTorch accepts both).</summary>
    private static Tensor BatchedImage(Tensor input, string op)
    {
        if (input.Dim == 4) return input;
        if (input.Dim == 3) return input.Unsqueeze(0);
        throw new ArgumentException($"{op}: expected a 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input, but got input of shape {Tensor.ShapeString(input.ShapeRef)}");
    }

    private static void CheckFloatingPoint(Tensor t, string what, string op)
    {
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating point {what} but got {t.DType.TorchName()} (shape {Tensor.ShapeString(t.ShapeRef)})");
    }

    private static void CheckAtLeast((int H, int W) value, int minimum, string name, string op)
    {
        if (value.H < minimum || value.W < minimum)
            throw new ArgumentException($"{op}: {name} must be {(minimum == 0 ? "non-negative" : "positive")}, but got {name}=({value.H}, {value.W})");
    }

    /// <summary>PyTorch's "Output size is too small" check, naming the input and the output it would give.</summary>
    private static void CheckOutputSize(in Backends.WindowGeometry g, int[] inputShape, string op)
    {
        int outH = g.OutH, outW = g.OutW;
        bool emptyWindow = g.Height + (2 * g.PadH) - (g.DilationH * (g.KernelH - 1)) - 1 < 0
            || g.Width + (2 * g.PadW) - (g.DilationW * (g.KernelW - 1)) - 1 < 0;
        if (emptyWindow || outH < 1 || outW < 1)
            throw new ArgumentException(
                $"{op}: input of shape {Tensor.ShapeString(inputShape)} padded by ({g.PadH}, {g.PadW}) is {g.Height + (2 * g.PadH)}x{g.Width + (2 * g.PadW)} per channel, "
                + $"smaller than the kernel {g.KernelH}x{g.KernelW} (dilation ({g.DilationH}, {g.DilationW})): the output would be {outH}x{outW}");
    }
}
