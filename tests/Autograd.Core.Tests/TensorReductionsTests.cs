using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>Reductions: gradients by finite differences, values, ties and NaN handling against PyTorch 1.13.</summary>
public sealed class TensorReductionsTests
{
    public static TheoryData<int[], bool> DimSets => new()
    {
        { [0], false },
        { [1], true },
        { [-1], false },
        { [-3], true },
        { [0, 2], false },
        { [2, -3], true },
        { [0, 1, 2], false },
    };

    [Fact]
    public void SumMean_AllElements_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => xs[0].Sum(), GradCheck.Input(1, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Mean(), GradCheck.Input(2, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Sum(), GradCheck.Input(3, []));
        GradCheck.Check(xs => xs[0].Permute(2, 0, 1).Mean(), GradCheck.Input(4, 2, 3, 4));
    }

    [Theory]
    [MemberData(nameof(DimSets))]
    public void SumMean_OverDims_GradientMatchesFiniteDifferences(int[] dims, bool keepdim)
    {
        GradCheck.Check(xs => xs[0].Sum(dims, keepdim), GradCheck.Input(5, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Mean(dims, keepdim), GradCheck.Input(6, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Transpose(0, 2).Sum(dims, keepdim), GradCheck.Input(7, 4, 3, 2));
    }

    [Fact]
    public void SumMean_Values_MatchPyTorch()
    {
        var x = Tensor.From(new[,] { { 1.0, 2.0, 4.0 }, { 3.0, 5.0, 9.0 } });
        // torch: x.sum(), x.sum(0), x.sum(-1, keepdim=True), x.mean(1), x.mean(-2, keepdim=True)
        Assert.Equal(24.0, x.Sum().ItemDouble());
        Assert.Equal([4.0, 7.0, 13.0], x.Sum(0).ToArray<double>());
        var rows = x.Sum(-1, keepdim: true);
        Assert.Equal([2, 1], rows.Shape);
        Assert.Equal([7.0, 17.0], rows.ToArray<double>());
        Assert.Equal([2.3333333333333335, 5.666666666666667], x.Mean(1).ToArray<double>());
        var columns = x.Mean(-2, keepdim: true);
        Assert.Equal([1, 3], columns.Shape);
        Assert.Equal([2.0, 3.5, 6.5], columns.ToArray<double>());
        Assert.Equal([], x.Sum().Shape);
    }

    [Fact]
    public void Reductions_OnZeroDimTensor_AcceptDimZeroAsPyTorch()
    {
        // torch.tensor(3.).sum(0) -> tensor(3.); .mean(-1) -> tensor(3.); .max(0) -> (tensor(3.), tensor(0))
        var s = Tensor.Scalar(3);
        Assert.Equal(3f, s.Sum(0).Item());
        Assert.Equal([], s.Sum(0).Shape);
        Assert.Equal(3f, s.Mean(-1).Item());
        var (values, indices) = s.Max(0);
        Assert.Equal(3f, values.Item());
        Assert.Equal(0L, indices.ToArray<long>()[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Sum(1));
    }

    [Fact]
    public void SumMean_EmptyTensor_GiveZeroAndNaN()
    {
        // torch.tensor([]).sum() -> 0., torch.tensor([]).mean() -> nan
        Assert.Equal(0f, Tensor.Zeros(0).Sum().Item());
        Assert.True(float.IsNaN(Tensor.Zeros(0).Mean().Item()));
    }

    [Fact]
    public void MaxMin_All_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => xs[0].Max(), GradCheck.Input(10, 3, 4));
        GradCheck.Check(xs => xs[0].Min(), GradCheck.Input(11, 3, 4));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    [InlineData(2, true)]
    public void MaxMin_AlongDim_GradientMatchesFiniteDifferences(int dim, bool keepdim)
    {
        GradCheck.Check(xs => xs[0].Max(dim, keepdim).Values, GradCheck.Input(12, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Min(dim, keepdim).Values, GradCheck.Input(13, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Permute(1, 2, 0).Max(dim, keepdim).Values, GradCheck.Input(14, 4, 2, 3));
    }

    [Fact]
    public void MaxMin_AlongDim_ValuesAndIndicesMatchPyTorch()
    {
        var x = Tensor.From(new[,] { { 1.0, 2.0, 4.0 }, { 3.0, 5.0, 9.0 } });
        // torch: x.max(1) -> values [4, 9], indices [2, 2]; x.min(0) -> values [1, 2, 4], indices [0, 0, 0]
        var (maxValues, maxIndices) = x.Max(1);
        Assert.Equal([4.0, 9.0], maxValues.ToArray<double>());
        Assert.Equal([2L, 2L], maxIndices.ToArray<long>());
        Assert.Equal(DType.Int64, maxIndices.DType);
        var (minValues, minIndices) = x.Min(0);
        Assert.Equal([1.0, 2.0, 4.0], minValues.ToArray<double>());
        Assert.Equal([0L, 0L, 0L], minIndices.ToArray<long>());
        var (kept, keptIndices) = x.Max(1, keepdim: true);
        Assert.Equal([2, 1], kept.Shape);
        Assert.Equal([2, 1], keptIndices.Shape);
        Assert.False(maxIndices.RequiresGrad);
    }

    [Fact]
    public void ArgMaxArgMin_Ties_PickFirstIndex()
    {
        // torch.argmax([1, 3, 3, 2]) -> 1; torch.argmin([1, 0, 3, 0]) -> 1
        Assert.Equal(1L, Tensor.From(new[] { 1f, 3f, 3f, 2f }).Argmax().ToArray<long>()[0]);
        Assert.Equal(1L, Tensor.From(new[] { 1f, 0f, 3f, 0f }).Argmin().ToArray<long>()[0]);
        var m = Tensor.From(new[,] { { 1f, 3f, 3f }, { 2f, 2f, 0f } });
        // torch: m.argmax(1) -> [1, 0]; m.argmin(0) -> [0, 1, 1]; m.argmax(1, keepdim=True).shape -> [2, 1]
        Assert.Equal([1L, 0L], m.Argmax(1).ToArray<long>());
        Assert.Equal([0L, 1L, 1L], m.Argmin(0).ToArray<long>());
        Assert.Equal([2, 1], m.Argmax(1, keepdim: true).Shape);
        Assert.Equal([], m.Argmax().Shape);
        // Int64 input works too
        Assert.Equal(2L, Tensor.From(new long[] { 4, 1, 9, 9 }).Argmax().ToArray<long>()[0]);
    }

    [Fact]
    public void MaxAll_Ties_ShareGradientEvenly()
    {
        // torch.max(x) for x = [1, 3, 3, 2]: gradient [0, .5, .5, 0]; torch.min of [1, 0, 3, 0]: [0, .5, 0, .5]
        var x = Tensor.From(new[] { 1.0, 3.0, 3.0, 2.0 }, [4], requiresGrad: true);
        x.Max().Backward();
        Assert.Equal([0, 0.5, 0.5, 0], x.Grad!.ToArray<double>());
        var y = Tensor.From(new[] { 1.0, 0.0, 3.0, 0.0 }, [4], requiresGrad: true);
        y.Min().Backward();
        Assert.Equal([0, 0.5, 0, 0.5], y.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxAlongDim_Ties_GradientGoesToReturnedIndex()
    {
        // torch.max(x, 1).values.sum().backward() for [[1, 3, 3], [2, 2, 0]] -> [[0, 1, 0], [1, 0, 0]]
        var x = Tensor.From(new[,] { { 1.0, 3.0, 3.0 }, { 2.0, 2.0, 0.0 } }, requiresGrad: true);
        x.Max(1).Values.Sum().Backward();
        Assert.Equal([0.0, 1, 0, 1, 0, 0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void NaN_PropagatesThroughReductions()
    {
        var x = Tensor.From(new[] { 1.0, double.NaN, 3.0, double.NaN });
        // torch: max, min, sum, mean of a tensor holding NaN are NaN; argmax is the first NaN (1)
        Assert.True(double.IsNaN(x.Max().ItemDouble()));
        Assert.True(double.IsNaN(x.Min().ItemDouble()));
        Assert.True(double.IsNaN(x.Sum().ItemDouble()));
        Assert.True(double.IsNaN(x.Mean().ItemDouble()));
        Assert.Equal(1L, x.Argmax().ToArray<long>()[0]);
        Assert.Equal(1L, x.Argmin().ToArray<long>()[0]);
        // torch.max([[1, nan, 3, nan]], 1) -> (nan, 1); torch.min([[nan, 1], [2, 3]], 0) -> ([nan, 1], [0, 0])
        var (v, i) = Tensor.From(new[] { 1.0, double.NaN, 3.0, double.NaN }, 1, 4).Max(1);
        Assert.True(double.IsNaN(v.ToArray<double>()[0]));
        Assert.Equal([1L], i.ToArray<long>());
        var (mv, mi) = Tensor.From(new[] { double.NaN, 1.0, 2.0, 3.0 }, 2, 2).Min(0);
        Assert.True(double.IsNaN(mv.ToArray<double>()[0]));
        Assert.Equal(1.0, mv.ToArray<double>()[1]);
        Assert.Equal([0L, 0L], mi.ToArray<long>());
        // a NaN along a middle axis (the vectorised inner > 1 path) propagates as well
        var middle = Tensor.From(new[] { 1.0, 2.0, double.NaN, 0.0 }, 2, 2).Max(0).Values.ToArray<double>();
        Assert.True(double.IsNaN(middle[0]));
        Assert.Equal(2.0, middle[1]);
        // torch.tensor([-inf, -inf]).max() -> -inf
        Assert.Equal(double.NegativeInfinity, Tensor.From(new[] { double.NegativeInfinity, double.NegativeInfinity }).Max().ItemDouble());
    }

    [Fact]
    public void MaxAll_NaNResult_GradientGoesToTheNaNs()
    {
        // torch.max(x) for x = [1, nan, 3] then backward: [0, 1, 0]
        var x = Tensor.From(new[] { 1.0, double.NaN, 3.0 }, [3], requiresGrad: true);
        x.Max().Backward();
        Assert.Equal([0.0, 1.0, 0.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxMin_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(0).Max());
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 0).Max(1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void VarStd_AllElements_GradientMatchesFiniteDifferences(int correction)
    {
        GradCheck.Check(xs => xs[0].Var(correction: correction), GradCheck.Input(20, 3, 4));
        GradCheck.Check(xs => xs[0].Std(correction: correction), GradCheck.Input(21, 3, 4));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void VarStd_OverDims_GradientMatchesFiniteDifferences(int correction, bool keepdim)
    {
        GradCheck.Check(xs => xs[0].Var([0, 2], correction, keepdim), GradCheck.Input(22, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Std([-1], correction, keepdim), GradCheck.Input(23, 2, 3, 4));
        GradCheck.Check(xs => xs[0].Var(1, correction, keepdim), GradCheck.Input(24, 2, 3, 4));
    }

    [Fact]
    public void VarStd_Values_MatchPyTorch()
    {
        var x = Tensor.From(new[,] { { 1.0, 2.0, 4.0 }, { 3.0, 5.0, 9.0 } });
        // torch: x.var() 8.0, x.var(unbiased=False) 6.666..., x.var(1), x.var(0, unbiased=False), x.std(), x.std(1, unbiased=False)
        Assert.Equal(8.0, x.Var().ItemDouble(), 1e-14);
        Assert.Equal(6.666666666666667, x.Var(correction: 0).ItemDouble(), 1e-14);
        AssertClose([2.333333333333333, 9.333333333333332], x.Var(1));
        AssertClose([1.0, 2.25, 6.25], x.Var(0, correction: 0));
        Assert.Equal(2.8284271247461903, x.Std().ItemDouble(), 1e-14);
        AssertClose([1.247219128924647, 2.494438257849294], x.Std(1, correction: 0));

        // y = torch.arange(24.).reshape(2, 3, 4) ** 1.5: y.var((0, 2)), y.std((0, 2), unbiased=False, keepdim=True)
        var y = Tensor.Arange(24, DType.Float64).Reshape(2, 3, 4).Pow(1.5);
        AssertClose([667.8451161037798, 1073.061596117513, 1464.198873042023], y.Var([0, 2]), 1e-11);
        var std = y.Std([0, 2], correction: 0, keepdim: true);
        Assert.Equal([1, 3, 1], std.Shape);
        AssertClose([24.173631845273214, 30.641946684289234, 35.79349122273168], std, 1e-12);

        // torch.tensor([3.]).var() -> nan (one element, Bessel's correction)
        Assert.True(float.IsNaN(Tensor.From(new[] { 3f }).Var().Item()));
    }

    [Fact]
    public void LogSumExp_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => xs[0].LogSumExp(1), GradCheck.Input(30, 3, 4));
        GradCheck.Check(xs => xs[0].LogSumExp([0, 2], keepdim: true), GradCheck.Input(31, 2, 3, 4));
        GradCheck.Check(xs => xs[0].LogSumExp(-1) * 3, GradCheck.Input(32, 2, 3, 4));
    }

    [Fact]
    public void LogSumExp_InfinitiesAndLargeValues_MatchPyTorch()
    {
        double inf = double.PositiveInfinity;
        var x = Tensor.From(new[] { -inf, -inf, 0.0, -inf, 1.0, 2.0, inf, 1.0 }, 4, 2);
        // torch.logsumexp(x, 1) -> [-inf, 0.0, 2.313261687518223, inf]
        var y = x.LogSumExp(1).ToArray<double>();
        Assert.Equal(double.NegativeInfinity, y[0]);
        Assert.Equal(0.0, y[1]);
        Assert.Equal(2.313261687518223, y[2], 1e-15);
        Assert.Equal(inf, y[3]);
        // torch.logsumexp(torch.tensor([1000., 1001., 1002.]), 0) -> 1002.4075927734375 (float32)
        Assert.Equal(1002.4075927734375f, Tensor.From(new[] { 1000f, 1001f, 1002f }).LogSumExp(0).Item(), 1e-3f);
        // NaN still propagates
        Assert.True(double.IsNaN(Tensor.From(new[] { 1.0, double.NaN }).LogSumExp(0).ItemDouble()));

        // gradient with a -inf entry: torch gives [[1, 0], [0.26894142136999505, 0.7310585786300048]]
        var z = Tensor.From(new[] { 0.0, -inf, 1.0, 2.0 }, [2, 2], requiresGrad: true);
        z.LogSumExp(1).Sum().Backward();
        AssertClose([1.0, 0.0, 0.26894142136999505, 0.7310585786300048], z.Grad!);

        // shapes: torch.logsumexp(y, (1,), keepdim=True).shape -> [2, 1, 4]
        Assert.Equal([2, 1, 4], Tensor.Ones(2, 3, 4).LogSumExp([1], keepdim: true).Shape);
        var lse = (Tensor.Arange(24, DType.Float64).Reshape(2, 3, 4).Pow(1.5) / 10).LogSumExp([0, 2]);
        // torch.logsumexp(y / 10, (0, 2))
        AssertClose([6.550131568252562, 8.955375374246978, 11.651715336712291], lse, 1e-13);
    }

    [Theory]
    [InlineData("Sum")]
    [InlineData("Mean")]
    [InlineData("Max")]
    [InlineData("Argmax")]
    [InlineData("Var")]
    [InlineData("LogSumExp")]
    public void Reductions_DimOutOfRange_ThrowNamingOpAndRange(string op)
    {
        var x = Tensor.Ones(2, 3);
        var ex = Assert.ThrowsAny<ArgumentException>(() => op switch
        {
            "Sum" => x.Sum(2),
            "Mean" => x.Mean(-3),
            "Max" => x.Max(5).Values,
            "Argmax" => x.Argmax(2),
            "Var" => x.Var(2),
            _ => x.LogSumExp(3),
        });
        Assert.Contains(op, ex.Message);
        Assert.Contains("[-2, 1]", ex.Message);
    }

    [Fact]
    public void Reductions_OfInt64_AreComputedInFloat()
    {
        var ints = Tensor.From(new long[] { 1, 2, 4 });
        Assert.Equal(7.0, ints.Sum().ItemDouble());
        Assert.Equal(7.0 / 3, ints.Mean().ItemDouble(), 1e-6);
        Assert.Equal(4.0, ints.Max().ItemDouble());
    }

    private static void AssertClose(double[] expected, Tensor actual, double tolerance = 1e-14)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {values[i]:R}");
    }
}
