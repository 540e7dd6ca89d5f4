using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>Softmax and LogSoftmax over every dim: gradients by finite differences, values against PyTorch 1.13.</summary>
public sealed class TensorSoftmaxTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(-3)]
    public void SoftmaxLogSoftmax_EveryDim_GradientMatchesFiniteDifferences(int dim)
    {
        GradCheck.Check(xs => xs[0].Softmax(dim), GradCheck.Input(1, 2, 3, 4));
        GradCheck.Check(xs => xs[0].LogSoftmax(dim), GradCheck.Input(2, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Permute(1, 2, 0).Softmax(dim) * 2, GradCheck.Input(3, 4, 2, 3));
        GradCheck.Check(xs => xs[0].Transpose(0, 2).LogSoftmax(dim).Exp(), GradCheck.Input(4, 4, 3, 2));
    }

    [Fact]
    public void Softmax_ZeroDim_IsOne()
    {
        // torch.softmax(torch.tensor(3.), 0) -> tensor(1.)
        Assert.Equal(1f, Tensor.Scalar(3).Softmax(0).Item());
        GradCheck.Check(xs => xs[0].LogSoftmax(0), GradCheck.Input(5, []));
    }

    [Fact]
    public void Softmax_Values_MatchPyTorch()
    {
        var x = Sin3(Tensor.Arange(24, DType.Float64).Reshape(2, 3, 4) / 5);
        // x = (torch.arange(24., dtype=torch.float64).reshape(2, 3, 4) / 5).sin() * 3; torch.softmax(x, 1)[1]
        double[] expected =
        [
            0.8894835841002051, 0.8972314225861787, 0.8943558748459687, 0.8789760193481191,
            0.09840868671640755, 0.08878221988526157, 0.08679751445192198, 0.09181942885763489,
            0.01210772918338738, 0.013986357528559736, 0.018846610702109454, 0.02920455179424596,
        ];
        AssertClose(expected, x.Softmax(1)[1].ToArray<double>(), 1e-15);
        // torch.log_softmax(x, 0)[:, 2, 3]
        var log = x.LogSoftmax(0);
        AssertClose([-0.004477002422081429, -5.411039224781245], [log[0][2][3].ItemDouble(), log[1][2][3].ItemDouble()], 1e-14);
        // the rows of every dim sum to one
        for (int dim = 0; dim < 3; dim++)
            Assert.All(x.Softmax(dim).Sum(dim).ToArray<double>(), s => Assert.Equal(1.0, s, 1e-15));
    }

    [Fact]
    public void Softmax_LargeLogits_DoNotOverflow()
    {
        var x = Tensor.From(new[] { 1000f, 1001f, 1002f });
        // torch.softmax / torch.log_softmax of [1000, 1001, 1002] (float32)
        AssertClose([0.09003057330846786, 0.2447284758090973, 0.6652409434318542], x.Softmax(0).ToArray().Select(v => (double)v).ToArray(), 1e-7);
        AssertClose([-2.4076058864593506, -1.4076058864593506, -0.40760594606399536], x.LogSoftmax(0).ToArray().Select(v => (double)v).ToArray(), 1e-6);
        // the same along a non-last dim (the inner > 1 kernel path)
        AssertClose([0.09003057330846786, 0.2447284758090973, 0.6652409434318542], x.Reshape(3, 1).Softmax(0).ToArray().Select(v => (double)v).ToArray(), 1e-7);
    }

    [Fact]
    public void Softmax_InfinitiesAndNaN_MatchPyTorch()
    {
        double inf = double.PositiveInfinity;
        var x = Tensor.From(new[] { 1000.0, -1000.0, 0.0, -inf, double.NaN, 1.0, -inf, -inf }, 4, 2);
        // torch.softmax(x, 1) -> [[1, 0], [1, 0], [nan, nan], [nan, nan]]
        foreach (var y in new[] { x.Softmax(1), x.T.Softmax(0).T })
        {
            var v = y.ToArray<double>();
            Assert.Equal([1.0, 0.0, 1.0, 0.0], v[..4]);
            Assert.All(v[4..], e => Assert.True(double.IsNaN(e)));
        }

        // torch.log_softmax([[0, -inf]], 1) -> [[0, -inf]]
        Assert.Equal([0.0, -inf], Tensor.From(new[] { 0.0, -inf }, 1, 2).LogSoftmax(1).ToArray<double>());
    }

    [Fact]
    public void Softmax_GradFnNamesAndErrors()
    {
        var x = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        Assert.Equal("SoftmaxBackward0", x.Softmax(0).GradFn!.Name);
        Assert.Equal("LogSoftmaxBackward0", x.LogSoftmax(0).GradFn!.Name);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.From(new long[] { 1, 2 }).Softmax(0));
        Assert.Contains("torch.int64", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x.Softmax(1));
    }

    /// <summary>sin(x) * 3 elementwise, computed on the host (the tensor API has no sin).</summary>
    private static Tensor Sin3(Tensor x) => Tensor.From(x.ToArray<double>().Select(v => Math.Sin(v) * 3).ToArray(), x.Shape);

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
