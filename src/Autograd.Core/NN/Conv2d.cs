namespace Autograd.NN;

/// <summary>
/// 2-D convolution over [N, C, H, W] (PyTorch's <c>nn.Conv2d</c>, zero padding). Weight is
/// [out_channels, in_channels / groups, kH, kW]; weight and bias are initialised as PyTorch does, U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)) with fan_in = in_channels / groups * kH * kW. Sizes take an int or an (H, W) tuple.
/// </summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null, int groups = 1, bool bias = true)
    {
        if (groups <= 0) throw new ArgumentException($"Conv2d: groups must be a positive integer, got {groups}", nameof(groups));
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"Conv2d: in_channels and out_channels must be positive, got in_channels={inChannels}, out_channels={outChannels}");
        if (inChannels % groups != 0) throw new ArgumentException($"Conv2d: in_channels ({inChannels}) must be divisible by groups ({groups})", nameof(inChannels));
        if (outChannels % groups != 0) throw new ArgumentException($"Conv2d: out_channels ({outChannels}) must be divisible by groups ({groups})", nameof(outChannels));
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"Conv2d: kernel_size must be positive, got {PyFormat.Pair(kernelSize.ToTuple())}", nameof(kernelSize));
        if (Stride.H <= 0 || Stride.W <= 0) throw new ArgumentException($"Conv2d: stride must be positive, got {PyFormat.Pair(Stride.ToTuple())}", nameof(stride));
        if (Padding.H < 0 || Padding.W < 0) throw new ArgumentException($"Conv2d: padding must be non-negative, got {PyFormat.Pair(Padding.ToTuple())}", nameof(padding));
        if (Dilation.H <= 0 || Dilation.W <= 0) throw new ArgumentException($"Conv2d: dilation must be positive, got {PyFormat.Pair(Dilation.ToTuple())}", nameof(dilation));

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Groups = groups;
        Weight = Tensor.Empty([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], DType.Float32).MoveToOuterScope().RequiresGrad_();
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (bias)
        {
            var (fanIn, _) = Init.CalculateFanInAndFanOut(Weight);
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Bias = Tensor.Empty([outChannels], DType.Float32).MoveToOuterScope().RequiresGrad_();
            Init.Uniform_(Bias, -bound, bound);
        }
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public Size2 KernelSize { get; }

    public Size2 Stride { get; }

    public Size2 Padding { get; }

    public Size2 Dilation { get; }

    public int Groups { get; }

    /// <summary>The [out_channels, in_channels / groups, kH, kW] weight.</summary>
    public Tensor Weight { get; private set; }

    /// <summary>The [out_channels] bias, or null when built with bias: false.</summary>
    public Tensor? Bias { get; private set; }

    public override Tensor Forward(Tensor input) =>
        Functional.Conv2d(input, Weight, Bias, Stride.ToTuple(), Padding.ToTuple(), Dilation.ToTuple(), Groups);

    /// <summary>PyTorch's repr: sizes always as tuples; padding, dilation, groups and bias only when not default.</summary>
    protected override string ExtraRepr()
    {
        var s = $"{InChannels}, {OutChannels}, kernel_size={PyFormat.Pair(KernelSize.ToTuple())}, stride={PyFormat.Pair(Stride.ToTuple())}";
        if (Padding.ToTuple() != (0, 0)) s += $", padding={PyFormat.Pair(Padding.ToTuple())}";
        if (Dilation.ToTuple() != (1, 1)) s += $", dilation={PyFormat.Pair(Dilation.ToTuple())}";
        if (Groups != 1) s += $", groups={Groups}";
        if (Bias is null) s += ", bias=False";
        return s;
    }
}
