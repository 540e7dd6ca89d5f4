using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests.NN;

/// <summary>
/// Conv2d on the CPU by tiles of samples (Functional.ConvolutionTiles.cs): the same output and gradients as over the whole
/// batch at once, and PyTorch's gradient rule by finite differences. A tiny tile budget forces tiles of one or two
/// samples with a short last tile.
/// </summary>
public sealed class FunctionalConvolutionTilesTests
{
    private const int WholeBatch = int.MaxValue;

    public static TheoryData<int, int, int, int, bool> Layouts => new()
    {
        { 1, 0, 1, 1, true },
        { 2, 1, 1, 1, false },
        { 1, 1, 2, 1, true },
        { 1, 1, 1, 2, true },
        { 2, 2, 1, 3, false },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Conv2d_ByTiles_GivesTheWholeBatchsOutputAndGradients(int stride, int padding, int dilation, int groups, bool withBias)
    {
        // 5 samples: tiles of 2, 2 and 1 (the budget fits two samples' columns and product).
        var (x, w, b) = Inputs(5, 6, groups, withBias, seed: 20);
        int perSample = ((6 * 9) + 6) * OutputPlane(7, stride, padding, dilation);
        var tiled = Run(x, w, b, stride, padding, dilation, groups, tileFloats: 2 * perSample);
        var whole = Run(x, w, b, stride, padding, dilation, groups, WholeBatch);

        for (int i = 0; i < whole.Length; i++) Assert.Equal(whole[i], tiled[i], 1e-12);
    }

    [Fact]
    public void ConvolutionTileSamples_SplitsTheBatchByTheBudgetAndKeepsAtLeastOneSample()
    {
        var g = new Autograd.Backends.WindowGeometry(128, 32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1);
        var x = Tensor.Zeros([1], DType.Float32);
        // (32 * 9 rows + 64 outputs) * 121 positions = 42,592 floats per sample.
        int threads = Autograd.Backends.Cpu.Threading.CpuParallel.DegreeOfParallelism;

        Assert.Equal(Math.Min(128, (256 * 1024 * threads) / 42_592), Functional.ConvolutionTileSamples(x, g, 64, Functional.ConvolutionTileFloats));
        Assert.Equal(1, Functional.ConvolutionTileSamples(x, g, 64, 1));
        Assert.Equal(128, Functional.ConvolutionTileSamples(x, g, 64, WholeBatch));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Conv2d_ByTilesOfOneSample_GradCheck(bool withBias)
    {
        var x = GradCheck.Input(30, 3, 2, 5, 5);
        var w = GradCheck.Input(31, 3, 2, 3, 3);
        var inputs = withBias ? new[] { x, w, GradCheck.Input(32, 3) } : new[] { x, w };

        GradCheck.Check(t => Functional.Conv2d(t[0], t[1], withBias ? t[2] : null, (1, 1), (1, 1), (1, 1), 1, tileFloats: 1), inputs);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Conv2d_ByTiles_OnlyTheInputOrOnlyTheWeightRequiringGrad_GetsTheWholeBatchsGradient(bool inputGrad, bool weightGrad)
    {
        var x = Tensor.Randn([4, 3, 6, 6], DType.Float64, generator: new Generator(40), requiresGrad: inputGrad);
        var w = Tensor.Randn([5, 3, 3, 3], DType.Float64, generator: new Generator(41), requiresGrad: weightGrad);
        var expected = Gradient(Functional.Conv2d(x, w, null, (1, 1), (0, 0), (1, 1), 1, WholeBatch), inputGrad ? x : w);

        var actual = Gradient(Functional.Conv2d(x, w, null, (1, 1), (0, 0), (1, 1), 1, tileFloats: 1), inputGrad ? x : w);

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void Conv2d_ByTiles_SecondBackwardWithRetainedGraph_AccumulatesTheSameGradients()
    {
        var x = GradCheck.Input(42, 3, 2, 5, 5);
        var w = GradCheck.Input(43, 4, 2, 3, 3);
        var loss = Functional.Conv2d(x, w, null, (1, 1), (1, 1), (1, 1), 1, tileFloats: 1).Square().Sum();

        loss.Backward(retainGraph: true);
        var first = w.Grad!.ToArray<double>();
        loss.Backward();

        var twice = w.Grad!.ToArray<double>();
        for (int i = 0; i < first.Length; i++) Assert.Equal(2 * first[i], twice[i], 1e-12);
    }

    [Fact]
    public void Conv2d_ByTiles_InputModifiedInPlaceBeforeBackward_ThrowsNamingTheInput()
    {
        // The weight gradient unfolds the input again in backward: a changed input would give a wrong gradient.
        var x = Tensor.Randn([3, 2, 4, 4], DType.Float64, generator: new Generator(44));
        var w = GradCheck.Input(45, 2, 2, 3, 3);
        var loss = Functional.Conv2d(x, w, null, (1, 1), (0, 0), (1, 1), 1, tileFloats: 1).Sum();

        x.Add_(Tensor.OnesLike(x));

        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an inplace operation: [torch.float64 [3, 2, 4, 4]] is at version 1; expected version 0", e.Message);
    }

    [Fact]
    public void Conv2d_Float32ByTiles_MatchesTheWholeBatchWithinFloatPrecision()
    {
        var x = Tensor.Randn([6, 4, 9, 9], DType.Float32, generator: new Generator(46), requiresGrad: true);
        var w = Tensor.Randn([8, 4, 3, 3], DType.Float32, generator: new Generator(47), requiresGrad: true);
        var b = Tensor.Randn([8], DType.Float32, generator: new Generator(48), requiresGrad: true);

        var whole = Run(x, w, b, 1, 1, 1, 1, WholeBatch);
        var tiled = Run(x, w, b, 1, 1, 1, 1, tileFloats: 1);

        // Against the largest value: a weight gradient sums 6 x 81 products of up to ~10^3 per tap, in another order by
        // tiles, and may cancel to a small number (float64 above shows the rule is the same to 1e-12).
        double scale = whole.Max(Math.Abs);
        for (int i = 0; i < whole.Length; i++) Assert.True(Math.Abs(whole[i] - tiled[i]) <= 1e-6 * scale, $"element {i}: {whole[i]} against {tiled[i]}");
    }

    private static (Tensor X, Tensor W, Tensor? B) Inputs(int batch, int channels, int groups, bool withBias, int seed)
    {
        var x = Tensor.Randn([batch, channels, 7, 7], DType.Float64, generator: new Generator(seed), requiresGrad: true);
        var w = Tensor.Randn([6, channels / groups, 3, 3], DType.Float64, generator: new Generator(seed + 1), requiresGrad: true);
        var b = withBias ? Tensor.Randn([6], DType.Float64, generator: new Generator(seed + 2), requiresGrad: true) : null;
        return (x, w, b);
    }

    private static int OutputPlane(int size, int stride, int padding, int dilation)
    {
        int side = ((size + (2 * padding) - (dilation * 2) - 1) / stride) + 1;
        return side * side;
    }

    // The output, then the input's, weight's and bias's gradients of sum(y * y), all flattened into one array.
    private static double[] Run(Tensor x, Tensor w, Tensor? b, int stride, int padding, int dilation, int groups, int tileFloats)
    {
        x.Grad = null;
        w.Grad = null;
        if (b is not null) b.Grad = null;
        var y = Functional.Conv2d(x, w, b, (stride, stride), (padding, padding), (dilation, dilation), groups, tileFloats);
        y.Square().Sum().Backward();
        var parts = new List<double>(Values(y));
        parts.AddRange(Values(x.Grad!));
        parts.AddRange(Values(w.Grad!));
        if (b is not null) parts.AddRange(Values(b.Grad!));
        return [.. parts];
    }

    private static double[] Gradient(Tensor y, Tensor of)
    {
        of.Grad = null;
        y.Square().Sum().Backward();
        return Values(of.Grad!);
    }

    private static double[] Values(Tensor t) => t.DType == DType.Float64 ? t.Detach().ToArray<double>() : t.Detach().ToArray<float>().Select(v => (double)v).ToArray();
}
