using Autograd.NN;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class InitTests
{
    private static (double Mean, double Variance) Moments(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return (mean, values.Average(v => (v - mean) * (v - mean)));
    }

    [Fact]
    public void CalculateFanInAndFanOut_ConvWeight_MultipliesByReceptiveField()
    {
        Assert.Equal((3 * 5 * 7, 4 * 5 * 7), Init.CalculateFanInAndFanOut(Tensor.Zeros(4, 3, 5, 7)));
        Assert.Equal((3, 4), Init.CalculateFanInAndFanOut(Tensor.Zeros(4, 3)));
        Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(Tensor.Zeros(4)));
    }

    [Theory]
    [InlineData(Nonlinearity.Linear, null, 1.0)]
    [InlineData(Nonlinearity.Sigmoid, null, 1.0)]
    [InlineData(Nonlinearity.Tanh, null, 5.0 / 3)]
    [InlineData(Nonlinearity.Relu, null, 1.4142135623730951)]
    [InlineData(Nonlinearity.LeakyRelu, null, 1.4141428569978354)] // calculate_gain('leaky_relu') in PyTorch 1.13
    [InlineData(Nonlinearity.LeakyRelu, 2.23606797749979, 0.5773502691896257)] // slope sqrt(5): sqrt(1/3)
    [InlineData(Nonlinearity.Selu, null, 0.75)]
    public void CalculateGain_MatchesPyTorch(Nonlinearity nonlinearity, double? param, double expected)
    {
        Assert.Equal(expected, Init.CalculateGain(nonlinearity, param), 12);
    }

    [Fact]
    public void KaimingUniform_Relu_BoundIsSqrtSixOverFanIn()
    {
        var w = Init.KaimingUniform_(Tensor.Zeros(200, 500), nonlinearity: Nonlinearity.Relu, generator: new Generator(1)).ToArray();
        double bound = Math.Sqrt(6.0 / 500);

        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(Moments(w).Variance, 0.97 * bound * bound / 3, 1.03 * bound * bound / 3);
    }

    [Fact]
    public void KaimingNormal_FanOut_StdIsGainOverSqrtFanOut()
    {
        var w = Init.KaimingNormal_(Tensor.Zeros(300, 100), mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(2)).ToArray();
        double variance = 2.0 / 300;

        Assert.InRange(Moments(w).Variance, 0.96 * variance, 1.04 * variance);
        Assert.InRange(Moments(w).Mean, -0.01 * Math.Sqrt(variance) * 3, 0.01 * Math.Sqrt(variance) * 3);
    }

    [Fact]
    public void XavierUniformAndNormal_UseFanInPlusFanOut()
    {
        double variance = 2.0 * 2.0 * 2.0 / (100 + 300); // gain 2: std = 2 * sqrt(2 / (fan_in + fan_out))
        var u = Init.XavierUniform_(Tensor.Zeros(300, 100), gain: 2, generator: new Generator(3)).ToArray();
        var n = Init.XavierNormal_(Tensor.Zeros(300, 100), gain: 2, generator: new Generator(4)).ToArray();
        double bound = Math.Sqrt(3 * variance);

        Assert.All(u, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(Moments(u).Variance, 0.96 * variance, 1.04 * variance);
        Assert.InRange(Moments(n).Variance, 0.96 * variance, 1.04 * variance);
    }

    [Fact]
    public void UniformNormalConstant_FillInPlaceAndReturnTheTensor()
    {
        var t = Tensor.Zeros(1000);

        Assert.Same(t, Init.Uniform_(t, 2, 3, new Generator(5)));
        Assert.All(t.ToArray(), v => Assert.InRange(v, 2f, 3f));
        Init.Normal_(t, 10, 0.5, new Generator(6));
        Assert.InRange(Moments(t.ToArray()).Mean, 9.9, 10.1);
        Init.Ones_(t);
        Assert.All(t.ToArray(), v => Assert.Equal(1f, v));
        Init.Constant_(t, -2.5);
        Assert.All(t.ToArray(), v => Assert.Equal(-2.5f, v));
        Init.Zeros_(t);
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Initialisers_SameSeed_SameValues()
    {
        var a = Init.KaimingUniform_(Tensor.Zeros(5, 5), generator: new Generator(42)).ToArray();
        var b = Init.KaimingUniform_(Tensor.Zeros(5, 5), generator: new Generator(42)).ToArray();

        Assert.Equal(a, b);
    }

    [Fact]
    public void Initialisers_OnParameterRequiringGrad_WorkWithoutNoGrad()
    {
        var w = Tensor.Zeros([3, 3], DType.Float32, requiresGrad: true);

        Init.XavierUniform_(w);
        Init.Constant_(w, 1);

        Assert.True(w.IsLeaf);
        Assert.All(w.ToArray(), v => Assert.Equal(1f, v));
    }
}
