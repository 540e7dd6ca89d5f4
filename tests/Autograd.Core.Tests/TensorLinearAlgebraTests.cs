using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>MatMul and Linear: every torch.matmul case by finite differences, values against PyTorch 1.13, errors.</summary>
public sealed class TensorLinearAlgebraTests
{
    public static TheoryData<int[], int[], int[]> MatMulShapes => new()
    {
        { [3], [3], [] },
        { [3], [3, 4], [4] },
        { [2, 3], [3], [2] },
        { [2, 3], [3, 4], [2, 4] },
        { [5, 2, 3], [5, 3, 4], [5, 2, 4] },
        { [2, 1, 3, 4], [5, 4, 2], [2, 5, 3, 2] },
        { [3, 4], [2, 4, 5], [2, 3, 5] },
        { [2, 3, 4], [4, 5], [2, 3, 5] },
        { [3], [2, 3, 4], [2, 4] },
        { [2, 3, 4], [4], [2, 3] },
        { [1, 1], [1, 1], [1, 1] },
    };

    [Theory]
    [MemberData(nameof(MatMulShapes))]
    public void MatMul_AllForms_ShapeAndGradientMatch(int[] a, int[] b, int[] expected)
    {
        Assert.Equal(expected, Tensor.Zeros(a).MatMul(Tensor.Zeros(b)).Shape);
        GradCheck.Check(xs => xs[0].MatMul(xs[1]), GradCheck.Input(1, a), GradCheck.Input(2, b));
    }

    [Fact]
    public void MatMul_TransposedAndSlicedOperands_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => xs[0].T.MatMul(xs[1].Permute(1, 0)), GradCheck.Input(3, 4, 3), GradCheck.Input(4, 5, 4));
        GradCheck.Check(xs => xs[0].Slice(2, 0, null, 2).MatMul(xs[1].Transpose(-1, -2)), GradCheck.Input(5, 2, 3, 8), GradCheck.Input(6, 2, 5, 4));
        // the same operand on both sides
        GradCheck.Check(xs => xs[0].MatMul(xs[0].T), GradCheck.Input(7, 3, 4));
    }

    [Fact]
    public void MatMul_Values_MatchPyTorch()
    {
        var a = Tensor.Arange(6).Reshape(2, 3);
        var b = Tensor.Arange(12).Reshape(3, 4) - 5;
        // torch.arange(6.).reshape(2, 3) @ (torch.arange(12.).reshape(3, 4) - 5)
        Assert.Equal([5f, 8, 11, 14, -4, 8, 20, 32], a.MatMul(b).ToArray());
        var v = Tensor.From(new[] { 1f, -2f, 3f });
        // v @ v, v @ b, a @ v
        Assert.Equal(14f, v.MatMul(v).Item());
        Assert.Equal([], v.MatMul(v).Shape);
        Assert.Equal([6f, 8, 10, 12], v.MatMul(b).ToArray());
        Assert.Equal([4f, 10], a.MatMul(v).ToArray());
        // (torch.arange(24.).reshape(2, 1, 3, 4) / 10) @ (torch.arange(40.).reshape(5, 4, 2) / 7): element [1, 3]
        var big = (Tensor.Arange(24).Reshape(2, 1, 3, 4) / 10).MatMul(Tensor.Arange(40).Reshape(5, 4, 2) / 7);
        Assert.Equal([2, 5, 3, 2], big.Shape);
        float[] expected = [20.9714298248291f, 21.742856979370117f, 27.14285659790039f, 28.14285659790039f, 33.31428527832031f, 34.5428581237793f];
        var actual = big[1][3].ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    [Fact]
    public void MatMul_MixedDTypes_Promotes()
    {
        var y = Tensor.Ones(2, 3).MatMul(Tensor.Ones([3, 2], DType.Float64));
        Assert.Equal(DType.Float64, y.DType);
        Assert.All(y.ToArray<double>(), v => Assert.Equal(3.0, v));
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 4, 5 }, "2x3 and 4x5")]
    [InlineData(new[] { 3 }, new[] { 4 }, "[3]")]
    [InlineData(new[] { 2, 2, 3 }, new[] { 3, 3, 4 }, "[2]")]
    public void MatMul_MismatchedShapes_ThrowNamingShapes(int[] a, int[] b, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(a).MatMul(Tensor.Zeros(b)));
        Assert.Contains("MatMul", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void MatMul_ZeroDimOperand_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Scalar(2).MatMul(Tensor.Ones(3)));
        Assert.Contains("MatMul", ex.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_GradientMatchesFiniteDifferences(bool withBias)
    {
        GradCheck.Check(
            xs => Tensor.Linear(xs[0], xs[1], withBias ? xs[2] : null),
            GradCheck.Input(10, 4, 3), GradCheck.Input(11, 5, 3), GradCheck.Input(12, 5));
        // a 3-D input, a 1-D input, and an input produced by a transpose
        GradCheck.Check(
            xs => Tensor.Linear(xs[0], xs[1], withBias ? xs[2] : null),
            GradCheck.Input(13, 2, 4, 3), GradCheck.Input(14, 5, 3), GradCheck.Input(15, 5));
        GradCheck.Check(xs => Tensor.Linear(xs[0], xs[1], withBias ? xs[2] : null), GradCheck.Input(16, 3), GradCheck.Input(17, 2, 3), GradCheck.Input(18, 2));
        GradCheck.Check(xs => Tensor.Linear(xs[0].T, xs[1].T, withBias ? xs[2] : null), GradCheck.Input(19, 3, 4), GradCheck.Input(20, 3, 2), GradCheck.Input(21, 2));
    }

    [Fact]
    public void Linear_ThreeDimensionalInput_MatchesPyTorch()
    {
        var x = Tensor.Arange(12).Reshape(2, 3, 2) / 4;
        var w = Tensor.From(new[,] { { 1f, -1f }, { 0.5f, 2f }, { 3f, 0f } });
        var b = Tensor.From(new[] { 0.1f, 0.2f, 0.3f });
        // torch.nn.functional.linear(torch.arange(12.).reshape(2, 3, 2) / 4, w, b)
        float[] expected = [-0.15f, 0.7f, 0.3f, -0.15f, 1.95f, 1.8f, -0.15f, 3.2f, 3.3f, -0.15f, 4.45f, 4.8f, -0.15f, 5.7f, 6.3f, -0.15f, 6.95f, 7.8f];
        var y = Tensor.Linear(x, w, b);
        Assert.Equal([2, 3, 3], y.Shape);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
        Assert.Equal(y.ToArray(), (x.MatMul(w.T) + b).ToArray());
    }

    [Fact]
    public void Linear_MixedDTypes_PromotesInsteadOfMisreading()
    {
        var x = Tensor.Ones(2, 3);
        var w = Tensor.Full([4, 3], 0.5, DType.Float64, requiresGrad: true);
        var b = Tensor.Ones(4);
        var y = Tensor.Linear(x, w, b);
        Assert.Equal(DType.Float64, y.DType);
        Assert.All(y.ToArray<double>(), v => Assert.Equal(2.5, v));
        y.Sum().Backward();
        Assert.Equal(DType.Float64, w.Grad!.DType);
        Assert.All(w.Grad.ToArray<double>(), v => Assert.Equal(2.0, v));
        Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.From(new long[] { 1, 2 }), Tensor.From(new long[] { 1, 2 }, 1, 2)));
    }

    [Theory]
    [InlineData("input")]
    [InlineData("weight")]
    [InlineData("bias")]
    public void Linear_MismatchedShapes_ThrowNamingShapes(string bad)
    {
        var x = Tensor.Zeros(2, bad == "input" ? 4 : 3);
        var w = bad == "weight" ? Tensor.Zeros(3) : Tensor.Zeros(5, 3);
        var b = Tensor.Zeros(bad == "bias" ? 6 : 5);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w, b));
        Assert.Contains("Linear", ex.Message);
        Assert.Contains(Tensor.ShapeString(w.Shape), ex.Message);
    }

    [Fact]
    public void Linear_GradFnNames_MatchPyTorch()
    {
        var w = Tensor.Ones([2, 3], DType.Float32, requiresGrad: true);
        Assert.Equal("AddmmBackward0", Tensor.Linear(Tensor.Ones(4, 3), w, Tensor.Zeros(2)).GradFn!.Name);
        Assert.Equal("MmBackward0", Tensor.Linear(Tensor.Ones(4, 3), w).GradFn!.Name);
    }
}
