using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>MaxPool2d and AvgPool2d against PyTorch 1.13 (x = seq([2, 2, 5, 6]), functional_reference.py) and gradcheck.</summary>
public sealed class FunctionalPoolingTests
{
    [Fact]
    public void MaxPool2d_Kernel2_MatchesPyTorch()
    {
        // F.max_pool2d(x, 2)
        var y = Functional.MaxPool2d(Seq([2, 2, 5, 6]), 2);
        Assert.Equal([2, 2, 2, 3], y.Shape);
        AssertClose([0.732231444, 0.9356160016, 0.9999576465, 0.7491743483, 0.9998717087, 0.9264154955, 0.9403403914, 0.999739337, 0.7228813495, 0.06791095958, 0.1201530804, 0.7581322216, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.7133969745, 0.05430715244, 0.9158096029, 0.405494, -0.2271126652, 0.7037800809, 0.9492643008, 0.9987456666], y);
    }

    [Fact]
    public void MaxPool2d_StrideAndPadding_MatchesPyTorch()
    {
        // F.max_pool2d(x, 3, 2, 1)
        var y = Functional.MaxPool2d(Seq([2, 2, 5, 6]), 3, 2, 1);
        Assert.Equal([2, 2, 3, 3], y.Shape);
        AssertClose([0.732231444, 0.9356160016, 0.9999576465, 0.7491743483, 0.9998717087, 0.9998717087, 0.7491743483, 0.9998717087, 0.9998717087, 0.9403403914, 0.999739337, 0.9238282534, 0.9403403914, 0.999739337, 0.9238282534, 0.9995605376, 0.9995605376, 0.7581322216, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.9185251839, 0.9448901062, 0.1336721477, 0.7669492663, 0.9990636908, 0.9158096029, 0.7086049814, 0.04750130787, 0.7037800809, 0.9492643008, 0.9987456666, 0.7037800809, 0.3992553376, 0.1471663845], y);
    }

    [Fact]
    public void MaxPool2d_RectangularWithDilation_MatchesPyTorch()
    {
        // F.max_pool2d(x, (2,3), (1,2), (1,1), (2,1))
        var y = Functional.MaxPool2d(Seq([2, 2, 5, 6]), (2, 3), (1, 2), (1, 1), (2, 1));
        Assert.Equal([2, 2, 5, 3], y.Shape);
        AssertClose([0.732231444, 0.4363990822, -0.2844257125, 0.4528862854, 0.9356160016, 0.9999576465, 0.7491743483, 0.9998717087, 0.9998717087, 0.4302574547, 0.07470829039, 0.1066116938, 0.7491743483, 0.9998717087, 0.9998717087, 0.9403403914, 0.999739337, 0.9238282534, 0.06791095958, -0.2535714645, 0.4649953737, 0.9403403914, 0.999739337, 0.9238282534, 0.9995605376, 0.9995605376, 0.7181558375, -0.5806736774, 0.1201530804, 0.7581322216, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.9185251839, 0.4117138313, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.9185251839, 0.9990636908, -0.6331887253, -0.8702285824, -0.5695239097, -0.8735655957, -0.8243833134, -0.2271126652, 0.9158096029, 0.9492643008, 0.9987456666, 0.7037800809, 0.3992553376, -0.2271126652, 0.4889521883, 0.9492643008, 0.9987456666, 0.7037800809, 0.3992553376, -0.3233764644], y);
    }

    [Fact]
    public void MaxPool2d_Ties_RouteTheGradientToTheFirstMaximum()
    {
        // x = ones(1,1,4,4); F.max_pool2d(x, 3, 1).sum().backward(); x.grad
        var x = Tensor.Ones([1, 1, 4, 4], DType.Float64, requiresGrad: true);
        var y = Functional.MaxPool2d(x, 3, 1);
        Assert.Equal("MaxPool2DWithIndicesBackward0", y.GradFn!.Name);
        y.Sum().Backward();
        AssertClose([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], x.Grad!);
    }

    [Fact]
    public void MaxPool2d_Float32TwoByTwo_TiesNaNAndNegativeInfinityFollowPyTorch()
    {
        // Four 2x2 windows: a tie (first maximum wins), two NaNs (the last NaN wins, as PyTorch's scan replaces on
        // NaN), all -inf (the first position), and an ordinary window. PyTorch 1.13, F.max_pool2d(..., 2,
        // return_indices=True) on the same tensor: values [[7, nan], [-inf, 4]], indices [[1, 7], [8, 15]].
        float nan = float.NaN, inf = float.PositiveInfinity;
        var x = Tensor.From(
            new[]
            {
                3f, 7f, nan, 1f,
                7f, 2f, 5f, nan,
                -inf, -inf, 1f, 2f,
                -inf, -inf, 3f, 4f,
            },
            1, 1, 4, 4).RequiresGrad_();
        var y = Functional.MaxPool2d(x, 2);
        var values = y.ToArray();
        Assert.Equal(7f, values[0]);
        Assert.True(float.IsNaN(values[1]));
        Assert.Equal(float.NegativeInfinity, values[2]);
        Assert.Equal(4f, values[3]);

        y.Backward(Tensor.Ones(1, 1, 2, 2));
        var expected = new float[16];
        foreach (int at in new[] { 1, 7, 8, 15 }) expected[at] = 1;
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(42)]
    [InlineData(35)]
    [InlineData(16)]
    public void MaxPool2d_Float32TwoByTwoWideRows_PicksTheWindowsAsTheScalarFloat64Scan(int width)
    {
        // Rows of 8+ windows go eight at a time (AVX2) with the rest one by one. Few distinct values make ties common;
        // NaN and -inf are sprinkled in. The float64 kernel scans each window one candidate at a time: the same values,
        // and the gradient lands on the same positions.
        float[] palette = [0f, 1f, 2f, 3f, float.NaN, float.NegativeInfinity];
        var random = new Random(width);
        var values = Enumerable.Range(0, 2 * 3 * 6 * width).Select(_ => palette[random.Next(random.Next(2) == 0 ? 4 : palette.Length)]).ToArray();
        var x32 = Tensor.From(values, [2, 3, 6, width], requiresGrad: true);
        var x64 = Tensor.From(values.Select(v => (double)v).ToArray(), [2, 3, 6, width], requiresGrad: true);

        var y32 = Functional.MaxPool2d(x32, 2);
        var y64 = Functional.MaxPool2d(x64, 2);
        var weights = Enumerable.Range(1, y32.Numel).Select(i => (double)i).ToArray();
        (y32 * Tensor.From(weights.Select(w => (float)w).ToArray(), y32.Shape)).Sum().Backward();
        (y64 * Tensor.From(weights, y64.Shape)).Sum().Backward();

        Assert.Equal(y64.ToArray<double>(), y32.ToArray().Select(v => (double)v));
        Assert.Equal(x64.Grad!.ToArray<double>(), x32.Grad!.ToArray().Select(v => (double)v));
    }

    [Fact]
    public void MaxPool2d_UnbatchedInput_GivesTheFirstSample()
    {
        double[] batched = [0.732231444, 0.9356160016, 0.9999576465, 0.7491743483, 0.9998717087, 0.9264154955, 0.9403403914, 0.999739337, 0.7228813495, 0.06791095958, 0.1201530804, 0.7581322216, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.7133969745, 0.05430715244, 0.9158096029, 0.405494, -0.2271126652, 0.7037800809, 0.9492643008, 0.9987456666];
        var y = Functional.MaxPool2d(Seq([2, 5, 6]), 2);
        Assert.Equal([2, 2, 3], y.Shape);
        AssertClose(batched[..12], y);
    }

    [Fact]
    public void MaxPool2d_UnderNoGrad_GivesTheSameValues()
    {
        using (Tensor.NoGrad())
        {
            var y = Functional.MaxPool2d(Seq([2, 2, 5, 6], requiresGrad: true), 3, 2, 1);
            Assert.Null(y.GradFn);
            AssertClose([0.732231444, 0.9356160016, 0.9999576465, 0.7491743483, 0.9998717087, 0.9998717087, 0.7491743483, 0.9998717087, 0.9998717087, 0.9403403914, 0.999739337, 0.9238282534, 0.9403403914, 0.999739337, 0.9238282534, 0.9995605376, 0.9995605376, 0.7581322216, -0.2403643896, 0.4770180858, 0.9448901062, 0.9993353187, 0.9185251839, 0.9448901062, 0.1336721477, 0.7669492663, 0.9990636908, 0.9158096029, 0.7086049814, 0.04750130787, 0.7037800809, 0.9492643008, 0.9987456666, 0.7037800809, 0.3992553376, 0.1471663845], y);
        }
    }

    [Fact]
    public void AvgPool2d_Kernel2_MatchesPyTorch()
    {
        // F.avg_pool2d(x, 2)
        AssertClose([0.4303375571, 0.3693338902, 0.1151453741, -0.1893975861, 0.1257420908, 0.3751107472, -0.03116775854, 0.2709469713, 0.4313393973, -0.4115025774, -0.4032087967, -0.1840114606, -0.4368351637, -0.3128490186, -0.02522316408, 0.1036107987, -0.2097998567, -0.4134719943, -0.05990016517, -0.3361672487, -0.4365977221, 0.4331025334, 0.3594713897, 0.09781410475], Functional.AvgPool2d(Seq([2, 2, 5, 6]), 2));
    }

    [Fact]
    public void AvgPool2d_PaddingCountedInTheDivisor_MatchesPyTorch()
    {
        // F.avg_pool2d(x, 3, 2, 1, count_include_pad=True)
        var y = Functional.AvgPool2d(Seq([2, 2, 5, 6], requiresGrad: true), 3, 2, 1, countIncludePad: true);
        Assert.Equal("AvgPool2DBackward0", y.GradFn!.Name);
        AssertClose([0.1912611365, 0.2629578809, 0.1235301984, 0.04567113129, 0.05611998166, 0.01731528214, 0.1903435089, 0.2059520211, 0.02114745495, -0.01385233713, 0.1316248661, 0.2661793754, 0.005333429681, 0.04143708454, 0.06571991271, 0.05841575135, 0.2146022473, 0.2829426471, -0.1941489616, -0.2355177748, -0.06803923734, -0.04455926025, -0.04748150754, -0.003614516966, -0.1781654572, -0.1612134499, 0.03783817978, -0.02662229563, -0.1807237403, -0.2803636549, -0.01462279018, -0.05133565193, -0.06647343849, -0.09555827012, -0.2482107462, -0.2750544441], y);
    }

    [Fact]
    public void AvgPool2d_PaddingNotCounted_MatchesPyTorch()
    {
        // F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
        AssertClose([0.4303375571, 0.3944368214, 0.1852952976, 0.06850669693, 0.05611998166, 0.01731528214, 0.428272895, 0.3089280316, 0.03172118243, -0.03116775854, 0.1974372992, 0.399269063, 0.008000144521, 0.04143708454, 0.06571991271, 0.1314354405, 0.3219033709, 0.4244139707, -0.4368351637, -0.3532766621, -0.102058856, -0.06683889038, -0.04748150754, -0.003614516966, -0.4008722787, -0.2418201748, 0.05675726966, -0.05990016517, -0.2710856105, -0.4205454823, -0.02193418527, -0.05133565193, -0.06647343849, -0.2150061078, -0.3723161194, -0.4125816661], Functional.AvgPool2d(Seq([2, 2, 5, 6]), 3, 2, 1, countIncludePad: false));
    }

    [Fact]
    public void AvgPool2d_Rectangular_MatchesPyTorch()
    {
        // F.avg_pool2d(x, (2,3), (1,2), (1,1), count_include_pad=False)
        var y = Functional.AvgPool2d(Seq([2, 2, 5, 6]), (2, 3), (1, 2), (1, 1), countIncludePad: false);
        Assert.Equal([2, 2, 6, 3], y.Shape);
        AssertClose([0.276359851, 0.711048469, 0.9548444544, 0.4303375571, 0.3944368214, 0.1852952976, -0.1992714133, -0.3636610331, -0.4163371593, -0.1893975861, 0.04526738559, 0.3180998528, 0.428272895, 0.3089280316, 0.03172118243, 0.2524828726, -0.277825948, -0.8211778002, -0.9093411054, -0.5597613956, 0.108269643, -0.03116775854, 0.1974372992, 0.399269063, 0.3661141948, 0.1800713366, -0.1263039591, -0.4115025774, -0.4151623702, -0.2465543724, 0.1314354405, 0.3219033709, 0.4244139707, 0.9710988372, 0.8796381613, 0.3990602851, -0.4659320588, -0.8277430767, -0.9322732595, -0.4368351637, -0.3532766621, -0.102058856, 0.2755959914, 0.4012008745, 0.3900063136, 0.1036107987, -0.1318171375, -0.3694995492, -0.4008722787, -0.2418201748, 0.05675726966, -0.05003590359, 0.4612059221, 0.9043707174, 0.8122072922, 0.3872000964, -0.3026225641, -0.05990016517, -0.2710856105, -0.4205454823, -0.3086601325, -0.09643216633, 0.2076093762, 0.4331025334, 0.3876821808, 0.1695240426, -0.2150061078, -0.3723161194, -0.4125816661, -0.9815299248, -0.7834896156, -0.2105242643], y);
    }

    [Theory]
    [InlineData(2, 2, 2, 2, 0, 0, 1, 1)]
    [InlineData(3, 3, 2, 2, 1, 1, 1, 1)]
    [InlineData(3, 3, 1, 1, 1, 1, 2, 2)]
    [InlineData(2, 3, 1, 2, 1, 1, 2, 1)]
    [InlineData(3, 2, 3, 1, 0, 1, 1, 1)]
    public void MaxPool2d_GradCheck(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        GradCheck.Check(t => Functional.MaxPool2d(t[0], (kh, kw), (sh, sw), (ph, pw), (dh, dw)), GradCheck.Input(20, 2, 2, 6, 7));
    }

    [Theory]
    [InlineData(2, 2, 2, 2, 0, 0, true)]
    [InlineData(3, 3, 2, 2, 1, 1, true)]
    [InlineData(3, 3, 2, 2, 1, 1, false)]
    [InlineData(2, 3, 1, 2, 1, 1, true)]
    [InlineData(2, 3, 1, 2, 1, 1, false)]
    [InlineData(3, 2, 1, 3, 0, 1, false)]
    public void AvgPool2d_GradCheck(int kh, int kw, int sh, int sw, int ph, int pw, bool countIncludePad)
    {
        GradCheck.Check(t => Functional.AvgPool2d(t[0], (kh, kw), (sh, sw), (ph, pw), countIncludePad), GradCheck.Input(21, 2, 2, 6, 7));
    }

    [Fact]
    public void Pooling_UnbatchedInput_GradCheck()
    {
        GradCheck.Check(t => Functional.MaxPool2d(t[0], 2, 1, 1) + Functional.AvgPool2d(t[0], 2, 1, 1), GradCheck.Input(22, 2, 4, 5));
    }

    [Fact]
    public void MaxPool2d_PaddingMoreThanHalfTheKernel_Throws()
    {
        var message = ThrowsNaming("MaxPool2d", () => Functional.MaxPool2d(Seq([1, 1, 6, 6]), 2, 2, 2));
        Assert.Contains("pad should be at most half of kernel size", message);
    }

    [Fact]
    public void AvgPool2d_PaddingMoreThanHalfTheKernel_Throws()
    {
        ThrowsNaming("AvgPool2d", () => Functional.AvgPool2d(Seq([1, 1, 6, 6]), 3, 1, 2));
    }

    [Fact]
    public void MaxPool2d_KernelLargerThanInput_ThrowsNamingTheShape()
    {
        var message = ThrowsNaming("MaxPool2d", () => Functional.MaxPool2d(Seq([1, 1, 2, 2]), 3));
        Assert.Contains("[1, 1, 2, 2]", message);
        Assert.Contains("3x3", message);
    }

    [Fact]
    public void AvgPool2d_KernelLargerThanInput_Throws()
    {
        ThrowsNaming("AvgPool2d", () => Functional.AvgPool2d(Seq([2, 3, 1, 4]), 2));
    }

    [Fact]
    public void MaxPool2d_TwoDimensionalInput_ThrowsNamingTheShape()
    {
        var message = ThrowsNaming("MaxPool2d", () => Functional.MaxPool2d(Seq([4, 4]), 2));
        Assert.Contains("[4, 4]", message);
    }

    [Fact]
    public void AvgPool2d_FiveDimensionalInput_Throws()
    {
        ThrowsNaming("AvgPool2d", () => Functional.AvgPool2d(Seq([1, 1, 1, 4, 4]), 2));
    }

    [Theory]
    [InlineData(0, 1, "kernel_size")]
    [InlineData(2, 0, "stride")]
    public void MaxPool2d_NonPositiveKernelOrStride_Throws(int kernel, int stride, string named)
    {
        var message = ThrowsNaming("MaxPool2d", () => Functional.MaxPool2d(Seq([1, 1, 4, 4]), kernel, stride));
        Assert.Contains(named, message);
    }

    [Fact]
    public void MaxPool2d_IntegerInput_Throws()
    {
        ThrowsNaming("MaxPool2d", () => Functional.MaxPool2d(Tensor.Zeros([1, 1, 4, 4], DType.Int64), 2));
    }
}
