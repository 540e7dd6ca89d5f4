using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests.NN;

/// <summary>
/// Conv2d, ReLU and MaxPool2d fused (Functional.ConvolutionReluPool.cs): the output and the gradients of the three ops
/// one after the other, PyTorch's gradient rule by finite differences, the same errors, and the graph's in-place check.
/// A tiny tile budget forces tiles of one sample, a larger one tiles of two with a short last tile.
/// </summary>
public sealed class FunctionalConvolutionReluPoolTests
{
    // conv stride, padding, dilation, groups, bias; pool kernel, stride (0: the kernel), padding, dilation.
    public static TheoryData<int, int, int, int, bool, int, int, int, int> Layouts => new()
    {
        { 1, 0, 1, 1, true, 2, 0, 0, 1 },
        { 1, 1, 1, 2, false, 2, 0, 0, 1 },
        { 2, 1, 1, 1, true, 3, 2, 1, 1 },
        { 1, 1, 2, 1, true, 2, 1, 0, 1 },
        { 1, 1, 1, 3, true, 2, 0, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Fused_GivesTheUnfusedOpsOutputAndGradients(int stride, int padding, int dilation, int groups, bool withBias, int poolKernel, int poolStride, int poolPadding, int poolDilation)
    {
        var conv = new ConvArgs(stride, padding, dilation, groups);
        var pool = new PoolArgs(poolKernel, poolStride, poolPadding, poolDilation);
        foreach (int tileFloats in new[] { 1, 2 * ((6 * 9) + 6) * 81, int.MaxValue })
        {
            var (x, w, b) = Inputs(5, 6, groups, withBias, seed: 50);
            var unfused = Run(x, w, b, (x, w, b) => Unfused(x, w, b, conv, pool, tileFloats));
            var fused = Run(x, w, b, (x, w, b) => Fused(x, w, b, conv, pool, tileFloats));

            Assert.Equal(unfused.Length, fused.Length);
            for (int i = 0; i < unfused.Length; i++) Assert.Equal(unfused[i], fused[i], 1e-12);
        }
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, int.MaxValue)]
    public void Fused_GradCheck(bool withBias, int tileFloats)
    {
        var x = GradCheck.Input(60, 3, 2, 6, 6);
        var w = GradCheck.Input(61, 3, 2, 3, 3);
        var inputs = withBias ? new[] { x, w, GradCheck.Input(62, 3) } : new[] { x, w };
        var conv = new ConvArgs(1, 1, 1, 1);
        var pool = new PoolArgs(2, 0, 0, 1);

        GradCheck.Check(t => Fused(t[0], t[1], withBias ? t[2] : null, conv, pool, tileFloats), inputs);
    }

    [Fact]
    public void Fused_Float32_ForwardIsBitIdenticalToTheUnfusedOps()
    {
        var x = Tensor.Randn([7, 3, 12, 12], DType.Float32, generator: new Generator(63));
        var w = Tensor.Randn([8, 3, 3, 3], DType.Float32, generator: new Generator(64));
        var b = Tensor.Randn([8], DType.Float32, generator: new Generator(65));
        var conv = new ConvArgs(1, 0, 1, 1);
        var pool = new PoolArgs(2, 0, 0, 1);

        var expected = Unfused(x, w, b, conv, pool, Functional.ConvolutionTileFloats).ToArray<float>();
        var actual = Fused(x, w, b, conv, pool, Functional.ConvolutionTileFloats).ToArray<float>();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Fused_NaNInTheInput_PropagatesAsTheUnfusedOpsDo()
    {
        var values = Enumerable.Range(0, 2 * 1 * 6 * 6).Select(i => i % 7 == 3 ? double.NaN : Math.Sin(i)).ToArray();
        var x = Tensor.From(values, 2, 1, 6, 6);
        var w = GradCheck.Input(66, 2, 1, 3, 3);
        var conv = new ConvArgs(1, 1, 1, 1);
        var pool = new PoolArgs(2, 0, 0, 1);

        var expected = Unfused(x, w, null, conv, pool, 1).ToArray<double>();
        var actual = Fused(x, w, null, conv, pool, 1).ToArray<double>();

        Assert.Contains(expected, double.IsNaN);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Fused_Unbatched_GivesAThreeDimensionalOutput()
    {
        var x = Tensor.Randn([2, 6, 6], DType.Float64, generator: new Generator(67));
        var w = Tensor.Randn([4, 2, 3, 3], DType.Float64, generator: new Generator(68));
        var conv = new ConvArgs(1, 0, 1, 1);
        var pool = new PoolArgs(2, 0, 0, 1);

        var y = Fused(x, w, null, conv, pool, 1);

        Assert.Equal([4, 2, 2], y.Shape);
        Assert.Equal(Unfused(x, w, null, conv, pool, 1).ToArray<double>(), y.ToArray<double>());
    }

    [Theory]
    [InlineData(3, 0, 0)]
    [InlineData(2, 0, 2)]
    public void Fused_PoolTheConvolutionsOutputCannotTake_ThrowsTheUnfusedError(int poolKernel, int poolStride, int poolPadding)
    {
        // The convolution gives [1, 4, 2, 2]: a 3x3 window does not fit, and padding 2 is over half of a 2x2 window.
        var x = Tensor.Randn([1, 2, 4, 4], DType.Float32, generator: new Generator(69));
        var w = Tensor.Randn([4, 2, 3, 3], DType.Float32, generator: new Generator(70));
        var conv = new ConvArgs(1, 0, 1, 1);
        var pool = new PoolArgs(poolKernel, poolStride, poolPadding, 1);

        var expected = Assert.Throws<ArgumentException>(() => Unfused(x, w, null, conv, pool, 1));
        var actual = Assert.Throws<ArgumentException>(() => Fused(x, w, null, conv, pool, 1));

        Assert.Equal(expected.Message, actual.Message);
        Assert.Contains("MaxPool2d", actual.Message);
        Assert.Contains("[1, 4, 2, 2]", actual.Message);
    }

    [Fact]
    public void Fused_OutputModifiedInPlaceBeforeBackward_Throws()
    {
        // The output masks the gradient (ReLU's rule), so a changed output would give a wrong gradient.
        var x = Tensor.Randn([2, 2, 6, 6], DType.Float64, generator: new Generator(71));
        var w = GradCheck.Input(72, 3, 2, 3, 3);
        var y = Fused(x, w, null, new ConvArgs(1, 0, 1, 1), new PoolArgs(2, 0, 0, 1), 1);
        var loss = y.Sum();

        y.Add_(Tensor.OnesLike(y));

        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an inplace operation", e.Message);
    }

    [Fact]
    public void Fused_NoGrad_RecordsNothing()
    {
        var x = Tensor.Randn([3, 2, 6, 6], DType.Float32, generator: new Generator(73));
        var w = Tensor.Randn([4, 2, 3, 3], DType.Float32, generator: new Generator(74), requiresGrad: true);
        var conv = new ConvArgs(1, 0, 1, 1);
        var pool = new PoolArgs(2, 0, 0, 1);

        using (Tensor.NoGrad())
        {
            var y = Fused(x, w, null, conv, pool, 1);
            Assert.Null(y.GradFn);
            Assert.False(y.RequiresGrad);
        }

        Assert.Equal("ConvolutionReluMaxPool2DBackward0", Fused(x, w, null, conv, pool, 1).GradFn!.Name);
    }

    internal readonly record struct ConvArgs(int Stride, int Padding, int Dilation, int Groups);

    internal readonly record struct PoolArgs(int Kernel, int Stride, int Padding, int Dilation)
    {
        public (int H, int W)? StrideOrKernel => Stride == 0 ? null : (Stride, Stride);
    }

    internal static Tensor Fused(Tensor x, Tensor w, Tensor? b, ConvArgs c, PoolArgs p, int tileFloats) =>
        Functional.Conv2dReluMaxPool2d(
            x, w, b, (c.Stride, c.Stride), (c.Padding, c.Padding), (c.Dilation, c.Dilation), c.Groups,
            (p.Kernel, p.Kernel), p.StrideOrKernel, (p.Padding, p.Padding), (p.Dilation, p.Dilation), tileFloats);

    internal static Tensor Unfused(Tensor x, Tensor w, Tensor? b, ConvArgs c, PoolArgs p, int tileFloats) =>
        Functional.MaxPool2d(
            Functional.Conv2d(x, w, b, (c.Stride, c.Stride), (c.Padding, c.Padding), (c.Dilation, c.Dilation), c.Groups, tileFloats).Relu(),
            (p.Kernel, p.Kernel), p.StrideOrKernel, (p.Padding, p.Padding), (p.Dilation, p.Dilation));

    private static (Tensor X, Tensor W, Tensor? B) Inputs(int batch, int channels, int groups, bool withBias, int seed)
    {
        var x = Tensor.Randn([batch, channels, 9, 9], DType.Float64, generator: new Generator(seed), requiresGrad: true);
        var w = Tensor.Randn([6, channels / groups, 3, 3], DType.Float64, generator: new Generator(seed + 1), requiresGrad: true);
        var b = withBias ? Tensor.Randn([6], DType.Float64, generator: new Generator(seed + 2), requiresGrad: true) : null;
        return (x, w, b);
    }

    // The output, then the input's, weight's and bias's gradients of a fixed random weighting of it, flattened into one array.
    private static double[] Run(Tensor x, Tensor w, Tensor? b, Func<Tensor, Tensor, Tensor?, Tensor> f)
    {
        x.Grad = null;
        w.Grad = null;
        if (b is not null) b.Grad = null;
        var y = f(x, w, b);
        var weights = Tensor.Randn(y.Shape, DType.Float64, generator: new Generator(99));
        (y * weights).Sum().Backward();
        var parts = new List<double>(y.Detach().ToArray<double>());
        parts.AddRange(x.Grad!.ToArray<double>());
        parts.AddRange(w.Grad!.ToArray<double>());
        if (b is not null) parts.AddRange(b.Grad!.ToArray<double>());
        return [.. parts];
    }
}
