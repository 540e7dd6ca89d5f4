namespace Autograd.NN;

/// <summary>2-D max pooling over [N, C, H, W] (PyTorch's <c>nn.MaxPool2d</c>; stride defaults to the kernel size).</summary>
public sealed class MaxPool2d : Module
{
    public MaxPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null)
    {
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
    }

    public Size2 KernelSize { get; }

    /// <summary>The stride; null means the kernel size.</summary>
    public Size2? Stride { get; }

    public Size2 Padding { get; }

    public Size2 Dilation { get; }

    public override Tensor Forward(Tensor input) =>
        Functional.MaxPool2d(input, KernelSize.ToTuple(), Stride?.ToTuple(), Padding.ToTuple(), Dilation.ToTuple());

    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}, dilation={Dilation}, ceil_mode=False";
}

/// <summary>2-D average pooling over [N, C, H, W] (PyTorch's <c>nn.AvgPool2d</c>; stride defaults to the kernel size).</summary>
public sealed class AvgPool2d : Module
{
    public AvgPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, bool countIncludePad = true)
    {
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding ?? 0;
        CountIncludePad = countIncludePad;
    }

    public Size2 KernelSize { get; }

    /// <summary>The stride; null means the kernel size.</summary>
    public Size2? Stride { get; }

    public Size2 Padding { get; }

    /// <summary>Whether zero padding counts in the averages' denominators (PyTorch's default: true).</summary>
    public bool CountIncludePad { get; }

    public override Tensor Forward(Tensor input) =>
        Functional.AvgPool2d(input, KernelSize.ToTuple(), Stride?.ToTuple(), Padding.ToTuple(), CountIncludePad);

    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride ?? KernelSize}, padding={Padding}";
}
