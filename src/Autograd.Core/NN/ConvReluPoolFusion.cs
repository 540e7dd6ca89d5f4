namespace Autograd.NN;

/// <summary>
/// The fusion <see cref="Sequential"/> applies: a <see cref="Conv2d"/>, a <see cref="ReLU"/> and a
/// <see cref="MaxPool2d"/> in a row, on a CPU input, run as one op (Functional.ConvolutionReluPool.cs), which keeps the
/// convolution's full-size output out of memory. The result and the gradients are the three modules' (the bias
/// gradient up to summation order); only the graph differs, with one node (ConvolutionReluMaxPool2DBackward0) where
/// there were three. Other devices run the modules one by one: their kernels take the whole batch at once.
/// </summary>
internal static class ConvReluPoolFusion
{
    /// <summary>Runs modules <paramref name="at"/>..<paramref name="at"/>+2 fused when they are such a run; false otherwise.</summary>
    public static bool TryForward(IReadOnlyList<Module> modules, int at, Tensor input, out Tensor output)
    {
        output = input;
        if (at + 2 >= modules.Count || modules[at] is not Conv2d conv || modules[at + 1] is not ReLU || modules[at + 2] is not MaxPool2d pool) return false;
        if (input.Device.Kind != DeviceKind.Cpu) return false;
        output = Functional.Conv2dReluMaxPool2d(
            input, conv.Weight, conv.Bias, conv.Stride.ToTuple(), conv.Padding.ToTuple(), conv.Dilation.ToTuple(), conv.Groups,
            pool.KernelSize.ToTuple(), pool.Stride?.ToTuple(), pool.Padding.ToTuple(), pool.Dilation.ToTuple());
        return true;
    }
}
