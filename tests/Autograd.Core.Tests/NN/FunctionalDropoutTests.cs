using Autograd.NN;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>
/// Dropout's contract (F.dropout): identity outside training, Bernoulli(1 - p) mask scaled by 1/(1 - p), gradient
/// equal to the mask, reproducible from a seeded generator. Its random stream is not PyTorch's, so values are
/// checked by their statistics rather than against PyTorch.
/// </summary>
public sealed class FunctionalDropoutTests
{
    [Fact]
    public void Dropout_NotTraining_ReturnsTheInputItself()
    {
        var x = Seq([3, 4]);
        Assert.Same(x, Functional.Dropout(x, 0.5, training: false));
    }

    [Fact]
    public void Dropout_ProbabilityZero_ReturnsTheInputItself()
    {
        var x = Seq([3, 4]);
        Assert.Same(x, Functional.Dropout(x, 0.0));
    }

    [Fact]
    public void Dropout_ProbabilityOne_GivesZerosAndZeroGradient()
    {
        var x = Seq([3, 4], requiresGrad: true);
        var y = Functional.Dropout(x, 1.0);
        Assert.All(y.ToArray<double>(), v => Assert.Equal(0.0, v));
        y.Sum().Backward();
        Assert.All(x.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Dropout_ProbabilityOutsideUnitInterval_Throws(double p)
    {
        var message = ThrowsNaming("Dropout", () => Functional.Dropout(Seq([2, 2]), p));
        Assert.Contains("between 0 and 1", message);
    }

    [Fact]
    public void Dropout_IntegerInput_Throws()
    {
        ThrowsNaming("Dropout", () => Functional.Dropout(Tensor.Zeros([4], DType.Int64), 0.5));
    }

    [Fact]
    public void Dropout_Training_DropsAboutPAndScalesTheSurvivors()
    {
        const double p = 0.3;
        var x = Tensor.Ones([100_000], DType.Float32);
        var y = Functional.Dropout(x, p, generator: new Generator(42)).ToArray();
        int dropped = y.Count(v => v == 0);
        // Binomial(100000, 0.3) has a standard deviation of ~145: 0.3 +- 0.01 is about seven of them.
        Assert.InRange(dropped / (double)y.Length, p - 0.01, p + 0.01);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / (1 - p), v, 1e-6));
    }

    [Fact]
    public void Dropout_Gradient_IsTheScaledMask()
    {
        var x = Seq([50, 40], requiresGrad: true);
        var y = Functional.Dropout(x, 0.4, generator: new Generator(3));
        y.Sum().Backward();
        var values = y.ToArray<double>();
        var inputs = x.ToArray<double>();
        var grad = x.Grad!.ToArray<double>();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(grad[i] == 0 || Math.Abs(grad[i] - (1 / 0.6)) < 1e-12, $"gradient {grad[i]} at {i} is neither 0 nor 1/(1-p)");
            Assert.Equal(inputs[i] * grad[i], values[i], 1e-12);
        }

        Assert.Contains(grad, g => g == 0);
        Assert.Contains(grad, g => g != 0);
    }

    [Fact]
    public void Dropout_SameSeed_SameMask_DifferentSeed_DifferentMask()
    {
        var x = Tensor.Ones([1000], DType.Float32);
        var a = Functional.Dropout(x, 0.5, generator: new Generator(5)).ToArray();
        var b = Functional.Dropout(x, 0.5, generator: new Generator(5)).ToArray();
        var c = Functional.Dropout(x, 0.5, generator: new Generator(6)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Dropout_ProbabilityOne_KeepsNaN()
    {
        var x = Tensor.Full([8], double.NaN, DType.Float64);
        Assert.All(Functional.Dropout(x, 1.0).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
    }
}
