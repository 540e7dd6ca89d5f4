using Autograd.NN;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class UtilsTests
{
    private static (Tensor A, Tensor B, Tensor C) Parameters(float a01 = -4f)
    {
        var a = Tensor.Zeros([2, 2], DType.Float32, requiresGrad: true);
        var b = Tensor.Zeros([2], DType.Float32, requiresGrad: true);
        var c = Tensor.Zeros([1], DType.Float32, requiresGrad: true);
        a.Grad = Tensor.From(new float[] { 3, a01, 1, 2 }, 2, 2);
        b.Grad = Tensor.From(new float[] { 0.5f, -12 }, 2);
        return (a, b, c); // c has no gradient: skipped
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6f * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    // torch.nn.utils.clip_grad_norm_([a, b, c], max_norm=5.0, norm_type=...) in PyTorch 1.13 with these gradients.
    [Theory]
    [InlineData(2.0, 13.20037841796875, new float[] { 1.1363308429718018f, -1.5151078701019287f, 0.3787769675254822f, 0.7575539350509644f, 0.1893884837627411f, -4.545323371887207f })]
    [InlineData(1.0, 22.5, new float[] { 0.6666666269302368f, -0.8888888359069824f, 0.2222222089767456f, 0.4444444179534912f, 0.1111111044883728f, -2.6666665077209473f })]
    [InlineData(3.0, 12.227434158325195, new float[] { 1.2267495393753052f, -1.635666012763977f, 0.40891650319099426f, 0.8178330063819885f, 0.20445825159549713f, -4.906998157501221f })]
    [InlineData(double.PositiveInfinity, 12.0, new float[] { 1.2499998807907104f, -1.6666665077209473f, 0.4166666269302368f, 0.8333332538604736f, 0.2083333134651184f, -4.999999523162842f })]
    public void ClipGradNorm_MatchesPyTorch(double normType, double expectedTotal, float[] expectedGrads)
    {
        var (a, b, c) = Parameters();

        double total = Utils.ClipGradNorm([a, b, c], maxNorm: 5.0, normType: normType);

        Assert.Equal(expectedTotal, total, 1e-5 * expectedTotal);
        AssertClose(expectedGrads, [.. a.Grad!.ToArray(), .. b.Grad!.ToArray()]);
        Assert.Null(c.Grad);
    }

    [Fact]
    public void ClipGradNorm_BelowMax_LeavesGradientsUnchanged()
    {
        var (a, b, c) = Parameters();

        double total = Utils.ClipGradNorm([a, b, c], maxNorm: 100);

        Assert.Equal(13.20037841796875, total, 1e-5);
        Assert.Equal([3f, -4f, 1f, 2f], a.Grad!.ToArray());
    }

    [Fact]
    public void ClipGradNorm_NaNGradient_ReturnsNaNAndPoisonsGradientsLikePyTorch()
    {
        var (a, b, c) = Parameters(float.NaN);

        double total = Utils.ClipGradNorm([a, b, c], maxNorm: 1);

        Assert.True(double.IsNaN(total));
        Assert.All(a.Grad!.ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Throws<InvalidOperationException>(() => Utils.ClipGradNorm([a, b], maxNorm: 1, errorIfNonfinite: true));
    }

    [Fact]
    public void ClipGradNorm_InfiniteGradient_ReturnsInfinityAndScalesByZeroLikePyTorch()
    {
        var (a, b, c) = Parameters(float.PositiveInfinity);

        double total = Utils.ClipGradNorm([a, b, c], maxNorm: 1);

        // PyTorch 1.13: total inf, a.grad [0, nan, 0, 0], b.grad [0, -0].
        Assert.True(double.IsPositiveInfinity(total));
        var g = a.Grad!.ToArray();
        Assert.Equal(0f, g[0]);
        Assert.True(float.IsNaN(g[1]));
        Assert.Equal([0f, -0f], b.Grad!.ToArray());
    }

    [Fact]
    public void ClipGradNorm_NoGradients_ReturnsZero()
    {
        Assert.Equal(0.0, Utils.ClipGradNorm([Tensor.Zeros([2], DType.Float32, requiresGrad: true)], 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Utils.ClipGradNorm([], 1.0, normType: 0));
    }

    [Fact]
    public void ClipGradValue_ClampsEveryGradient()
    {
        var (a, b, c) = Parameters();

        Utils.ClipGradValue([a, b, c], 2.5);

        Assert.Equal([2.5f, -2.5f, 1f, 2f], a.Grad!.ToArray());
        Assert.Equal([0.5f, -2.5f], b.Grad!.ToArray());
    }
}
