using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>
/// Elementwise ops: every gradient against finite differences (broadcasting, 0-d operands, inputs that come out of
/// permute/transpose/slice), forward values and the conventions at non-differentiable points against PyTorch 1.13,
/// NaN/Inf propagation, dtype promotion, and the errors for bad input.
/// </summary>
public sealed class TensorElementwiseTests
{
    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [3, 1, 4], [2, 4] },
        { [], [3] },
        { [3], [] },
        { [], [] },
        { [2, 3], [2, 3] },
        { [1], [2, 1, 3] },
        { [4, 1], [1, 5] },
        { [2, 1, 3], [2, 4, 1] },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Add_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0] + xs[1], GradCheck.Input(1, a), GradCheck.Input(2, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Sub_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0] - xs[1], GradCheck.Input(3, a), GradCheck.Input(4, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Mul_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0] * xs[1], GradCheck.Input(5, a), GradCheck.Input(6, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Div_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0] / xs[1], GradCheck.Input(7, a), Positive(8, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void PowTensorExponent_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0].Pow(xs[1]), Positive(9, a), GradCheck.Input(10, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Maximum_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0].Maximum(xs[1]), GradCheck.Input(11, a), GradCheck.Input(12, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Minimum_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(xs => xs[0].Minimum(xs[1]), GradCheck.Input(13, a), GradCheck.Input(14, b));

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Where_Broadcasting_GradientMatchesFiniteDifferences(int[] a, int[] b)
    {
        // a random mask over the broadcast shape, plus one that broadcasts itself (a single row)
        var shape = Tensor.BroadcastShape(a, b, "test");
        var condition = Tensor.Rand(shape, DType.Float64, generator: new Generator(15)).Gt(0.5);
        GradCheck.Check(xs => xs[0].Where(condition, xs[1]), GradCheck.Input(18, a), GradCheck.Input(19, b));
        if (shape.Length > 0) condition = Tensor.Rand([shape[^1]], DType.Float64, generator: new Generator(15)).Gt(0.5);
        GradCheck.Check(xs => xs[0].Where(condition, xs[1]), GradCheck.Input(16, a), GradCheck.Input(17, b));
    }

    /// <summary>Inputs produced by permute, transpose and strided slices (PyTorch's non-contiguous inputs).</summary>
    [Theory]
    [InlineData("add")]
    [InlineData("sub")]
    [InlineData("mul")]
    [InlineData("div")]
    [InlineData("pow")]
    [InlineData("maximum")]
    [InlineData("minimum")]
    public void Binary_PermutedAndSlicedInputs_GradientMatchesFiniteDifferences(string op)
    {
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "add" => (a, b) => a + b,
            "sub" => (a, b) => a - b,
            "mul" => (a, b) => a * b,
            "div" => (a, b) => a / (b.Abs() + 0.5),
            "pow" => (a, b) => (a.Abs() + 0.5).Pow(b),
            "maximum" => (a, b) => a.Maximum(b),
            _ => (a, b) => a.Minimum(b),
        };

        // [4, 2, 3] permuted to [2, 3, 4] against a transposed [4, 3] -> [3, 4]
        GradCheck.Check(xs => f(xs[0].Permute(1, 2, 0), xs[1].Transpose(0, 1)), GradCheck.Input(20, 4, 2, 3), GradCheck.Input(21, 4, 3));
        // every other column of a [3, 8] against the reversed-bounds slice of a [5, 4]
        GradCheck.Check(xs => f(xs[0].Slice(1, 1, null, 2), xs[1].Slice(0, -5, -1).T), GradCheck.Input(22, 3, 8), GradCheck.Input(23, 6, 3));
    }

    [Theory]
    [InlineData("x+s")]
    [InlineData("s+x")]
    [InlineData("x-s")]
    [InlineData("s-x")]
    [InlineData("x*s")]
    [InlineData("s*x")]
    [InlineData("x/s")]
    [InlineData("s/x")]
    [InlineData("-x")]
    [InlineData("add-alpha")]
    public void ScalarOperand_BothSides_GradientMatchesFiniteDifferences(string form)
    {
        Func<Tensor, Tensor> f = form switch
        {
            "x+s" => x => x + 2.5,
            "s+x" => x => 2.5 + x,
            "x-s" => x => x - 2.5,
            "s-x" => x => 2.5 - x,
            "x*s" => x => x * -3.0,
            "s*x" => x => -3.0 * x,
            "x/s" => x => x / 4.0,
            "s/x" => x => 4.0 / (x.Abs() + 0.5),
            "-x" => x => -x,
            _ => x => x.Add(x * x, alpha: 0.5),
        };
        GradCheck.Check(xs => f(xs[0]), GradCheck.Input(30, 3, 4));
        GradCheck.Check(xs => f(xs[0]), GradCheck.Input(31, [])); // 0-d
    }

    [Fact]
    public void ScalarOperand_Values_MatchPyTorch()
    {
        var x = Tensor.From(new[] { 1.0, -2.0, 4.0 });
        // torch: x + 2.5, 2.5 - x, x * -3, x / 4, 4 / x
        AssertValues([3.5, 0.5, 6.5], x + 2.5);
        AssertValues([1.5, 4.5, -1.5], 2.5 - x);
        AssertValues([-3.0, 6.0, -12.0], x * -3.0);
        AssertValues([0.25, -0.5, 1.0], x / 4.0);
        AssertValues([4.0, -2.0, 1.0], 4.0 / x);
        AssertValues([-1.0, 2.0, -4.0], -x);
        AssertValues([3.0, -6.0, 12.0], x.Add(x, alpha: 2));
    }

    public static TheoryData<string> UnaryOps => new()
    {
        "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "gelu_tanh", "clamp", "clamp_min",
        "clamp_max", "square", "reciprocal", "rsqrt", "pow3", "pow_half", "pow_neg", "pow2_negative_base", "pow0", "scalar_base_pow",
        "sign",
    };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_GradientMatchesFiniteDifferences(string op)
    {
        var f = UnaryOp(op);
        bool positiveOnly = op is "log" or "sqrt" or "rsqrt" or "pow_half" or "pow_neg" or "reciprocal";
        var input = positiveOnly ? Positive(40, 2, 3, 4) : GradCheck.Input(40, 2, 3, 4);
        GradCheck.Check(xs => f(xs[0]), input);
        // The same op on a permuted and sliced input, and on a 0-d one.
        var wide = positiveOnly ? Positive(41, 4, 6) : GradCheck.Input(41, 4, 6);
        GradCheck.Check(xs => f(xs[0].T.Slice(0, 0, null, 2)), wide);
        var scalar = positiveOnly ? Positive(42) : GradCheck.Input(42, []);
        GradCheck.Check(xs => f(xs[0]), scalar);
    }

    [Fact]
    public void Gelu_Values_MatchPyTorch()
    {
        var x = Tensor.From(new[] { -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0 }, [7], requiresGrad: true);
        // torch.nn.functional.gelu(x) and its gradient (float64)
        var y = x.Gelu();
        AssertValues([-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0.0, 0.34573123063700656, 0.841344746068543, 2.99595030590511], y, 1e-14);
        y.Sum().Backward();
        AssertValues([-0.01194564720418392, -0.08331547058768635, 0.13250487534383712, 0.5, 0.8674951246561629, 1.0833154705876864, 1.011945647204184], x.Grad!, 1e-14);

        x.Grad = null;
        // torch.nn.functional.gelu(x, approximate='tanh')
        var t = x.Gelu(tanhApproximation: true);
        AssertValues([-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0.0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227], t, 1e-14);
        t.Sum().Backward();
        AssertValues([-0.011584166630969648, -0.08296408384578252, 0.13263009646535764, 0.5, 0.8673699035346424, 1.0829640838457826, 1.0115841666309695], x.Grad!, 1e-14);

        // float32: torch.nn.functional.gelu(torch.tensor([...]))
        var f = Tensor.From(new[] { -3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f }).Gelu().ToArray();
        float[] expected = [-0.004049867391586304f, -0.1586552858352661f, -0.1542687863111496f, 0f, 0.3457311987876892f, 0.8413447141647339f, 2.995950222015381f];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], f[i], 6e-7f);
    }

    [Fact]
    public void Activations_Values_MatchPyTorch()
    {
        var x = Tensor.From(new[] { -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0 });
        // torch.sigmoid, torch.tanh, F.leaky_relu(x, 0.1) on the same values (float64)
        AssertValues([0.04742587317756678, 0.2689414213699951, 0.3775406687981454, 0.5, 0.6224593312018546, 0.7310585786300049, 0.9525741268224334], x.Sigmoid(), 1e-15);
        AssertValues([-0.9950547536867305, -0.7615941559557649, -0.46211715726000974, 0.0, 0.46211715726000974, 0.7615941559557649, 0.9950547536867305], x.Tanh(), 1e-15);
        AssertValues([-0.30000000000000004, -0.1, -0.05, 0.0, 0.5, 1.0, 3.0], x.LeakyRelu(0.1), 1e-15);
        AssertValues([0, 0, 0, 0, 0.5, 1, 3], x.Relu());
        AssertValues([-1, -1, -1, 0, 1, 1, 1], x.Sign());
    }

    /// <summary>At the kinks PyTorch picks a one-sided rule; these are its values (torch 1.13, float64).</summary>
    [Fact]
    public void NonDifferentiablePoints_FollowPyTorchConventions()
    {
        double[] v = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0];
        // relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope
        AssertGradient([0, 0, 0, 0, 1, 1, 1], v, x => x.Relu());
        AssertGradient([-1, -1, -1, 0, 1, 1, 1], v, x => x.Abs());
        AssertGradient([0.1, 0.1, 0.1, 0.1, 1, 1, 1], v, x => x.LeakyRelu(0.1));
        // torch.clamp(x, -1, 1): the gradient passes at the bounds themselves
        AssertGradient([0, 1, 1, 1, 1, 1, 0], v, x => x.Clamp(-1, 1));
        // torch.clamp(x, min=-0.5), torch.clamp(x, max=0.5)
        AssertGradient([0, 0, 1, 1, 1, 1, 1], v, x => x.Clamp(min: -0.5));
        AssertGradient([1, 1, 1, 1, 1, 0, 0], v, x => x.Clamp(max: 0.5));
        // sqrt'(0) = inf
        AssertGradient([double.PositiveInfinity, 0.25], [0.0, 4.0], x => x.Sqrt());
        // sign has zero gradient everywhere
        AssertGradient([0, 0, 0, 0, 0, 0, 0], v, x => x.Sign());
    }

    [Fact]
    public void MaximumMinimum_Ties_SplitGradientHalfHalf()
    {
        // torch.maximum / torch.minimum of [1, 2, 3] and [1, 5, 3], then .sum().backward()
        var a = Tensor.From(new[] { 1.0, 2.0, 3.0 }, [3], requiresGrad: true);
        var b = Tensor.From(new[] { 1.0, 5.0, 3.0 }, [3], requiresGrad: true);
        a.Maximum(b).Sum().Backward();
        AssertValues([0.5, 0, 0.5], a.Grad!);
        AssertValues([0.5, 1, 0.5], b.Grad!);
        a.Grad = null;
        b.Grad = null;
        a.Minimum(b).Sum().Backward();
        AssertValues([0.5, 1, 0.5], a.Grad!);
        AssertValues([0.5, 0, 0.5], b.Grad!);
    }

    [Fact]
    public void Pow_ZeroBaseAndZeroExponent_FollowPyTorchConventions()
    {
        // torch.pow(a, b) with a = [0, 0, 2], b = [0, 2, 0]: values [1, 0, 1], grads a [0, 0, 0], b [0, 0, ln 2]
        var a = Tensor.From(new[] { 0.0, 0.0, 2.0 }, [3], requiresGrad: true);
        var b = Tensor.From(new[] { 0.0, 2.0, 0.0 }, [3], requiresGrad: true);
        var y = a.Pow(b);
        AssertValues([1, 0, 1], y);
        y.Sum().Backward();
        AssertValues([0, 0, 0], a.Grad!);
        AssertValues([0, 0, 0.6931471805599453], b.Grad!, 1e-15);

        // torch.pow(x, 0.) at x = [0, 2]: gradient [0, 0]
        AssertGradient([0, 0], [0.0, 2.0], x => x.Pow(0));
        // torch.pow(-2., 2) through the tensor exponent: d/da = -4, d/db = nan (log of a negative base)
        var na = Tensor.From(new[] { -2.0 }, [1], requiresGrad: true);
        var nb = Tensor.From(new[] { 2.0 }, [1], requiresGrad: true);
        na.Pow(nb).Sum().Backward();
        AssertValues([-4], na.Grad!);
        Assert.True(double.IsNaN(nb.Grad!.ToArray<double>()[0]));
        // torch.pow(0., z) at z = [0, 1]: gradient [0, 0]
        AssertGradient([0, 0], [0.0, 1.0], z => Tensor.Pow(0.0, z));
    }

    [Fact]
    public void PowScalarBase_ValuesAndGradient_MatchPyTorch()
    {
        // torch.pow(2., x) for x = [1, 2, 3]: grad_fn PowBackward2, gradient 2^x ln 2
        var x = Tensor.From(new[] { 1f, 2f, 3f }, requiresGrad: true);
        var y = Tensor.Pow(2.0, x);
        Assert.Equal("PowBackward2", y.GradFn!.Name);
        AssertValues([2, 4, 8], y);
        y.Sum().Backward();
        var g = x.Grad!.ToArray();
        float[] expected = [1.3862943649291992f, 2.7725887298583984f, 5.545177459716797f];
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], g[i], 1e-6f);
    }

    [Fact]
    public void Clamp_MinAboveMax_GivesMaxEverywhere()
    {
        // torch.clamp(x, min=2, max=1) -> every element 1
        AssertValues([1, 1, 1, 1], Tensor.From(new[] { -3.0, 0.0, 1.5, 3.0 }).Clamp(2, 1));
    }

    [Fact]
    public void Clamp_WithoutBounds_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).Clamp());
        Assert.Contains("Clamp", ex.Message);
    }

    [Fact]
    public void NaN_PropagatesThroughActivationsAndArithmetic()
    {
        var nan = Tensor.From(new[] { double.NaN });
        // torch.relu(nan), torch.clamp(nan, 0, 1), torch.sigmoid(nan), torch.tanh(nan), torch.abs(nan): all nan
        foreach (var y in new[] { nan.Relu(), nan.Clamp(0, 1), nan.Clamp(min: 0), nan.Sigmoid(), nan.Tanh(), nan.Abs(), nan.Exp(), nan.LeakyRelu(), nan.Gelu(), nan * 0.0, nan + 1.0 })
            Assert.True(double.IsNaN(y.ToArray<double>()[0]), y.ToString());
        // torch.maximum([nan, 1], [1, nan]) -> [nan, nan]; torch.minimum likewise
        var a = Tensor.From(new[] { double.NaN, 1.0 });
        var b = Tensor.From(new[] { 1.0, double.NaN });
        Assert.All(a.Maximum(b).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        Assert.All(a.Minimum(b).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        // torch.sign(nan) is 0 in torch 1.13
        AssertValues([0], nan.Sign());
    }

    [Fact]
    public void SpecialValues_FollowIeee()
    {
        // torch.exp([inf, -inf]) -> [inf, 0]; torch.log([0, -1]) -> [-inf, nan]; [0, 1, -1] / 0 -> [nan, inf, -inf]
        AssertValues([double.PositiveInfinity, 0], Tensor.From(new[] { double.PositiveInfinity, double.NegativeInfinity }).Exp());
        var log = Tensor.From(new[] { 0.0, -1.0 }).Log().ToArray<double>();
        Assert.Equal(double.NegativeInfinity, log[0]);
        Assert.True(double.IsNaN(log[1]));
        var div = (Tensor.From(new[] { 0.0, 1.0, -1.0 }) / Tensor.Zeros([3], DType.Float64)).ToArray<double>();
        Assert.True(double.IsNaN(div[0]));
        Assert.Equal(double.PositiveInfinity, div[1]);
        Assert.Equal(double.NegativeInfinity, div[2]);
        // the scalar form divides the same way: [0, 1, -1] / 0.
        var scalarDiv = (Tensor.From(new[] { 0.0, 1.0, -1.0 }) / 0.0).ToArray<double>();
        Assert.True(double.IsNaN(scalarDiv[0]));
        Assert.Equal(double.PositiveInfinity, scalarDiv[1]);
        Assert.Equal(double.NegativeInfinity, scalarDiv[2]);
        // torch.sqrt(-1) -> nan; float32 follows the same rules
        Assert.True(double.IsNaN(Tensor.From(new[] { -1.0 }).Sqrt().ToArray<double>()[0]));
        Assert.Equal(float.PositiveInfinity, Tensor.From(new[] { float.PositiveInfinity }).Exp().ToArray()[0]);
        Assert.Equal(float.NegativeInfinity, Tensor.From(new[] { 0f }).Log().ToArray()[0]);
    }

    [Fact]
    public void Where_PicksWithoutLeakingTheOtherSide()
    {
        var condition = Tensor.From(new[] { 1f, 0f, 1f });
        var a = Tensor.From(new[] { 1f, float.PositiveInfinity, 3f }, requiresGrad: true);
        var b = Tensor.From(new[] { 10f, 20f, float.NaN }, requiresGrad: true);
        var y = a.Where(condition, b);
        Assert.Equal([1f, 20f, 3f], y.ToArray());
        y.Sum().Backward();
        Assert.Equal([1f, 0f, 1f], a.Grad!.ToArray());
        Assert.Equal([0f, 1f, 0f], b.Grad!.ToArray());
    }

    [Fact]
    public void MixedDTypes_PromoteAsPyTorch()
    {
        var f32 = Tensor.From(new[] { 1.5f, 2.5f }, requiresGrad: true);
        var f64 = Tensor.From(new[] { 0.25, 0.5 });
        // torch: float32 + float64 -> float64
        var sum = f32 + f64;
        Assert.Equal(DType.Float64, sum.DType);
        Assert.Equal([1.75, 3.0], sum.ToArray<double>());
        sum.Sum().Backward();
        Assert.Equal(DType.Float32, f32.Grad!.DType);
        Assert.Equal([1f, 1f], f32.Grad.ToArray());

        var ints = Tensor.From(new long[] { 1, 2 });
        // torch: int64 + float32 -> float32, int64 * 2 -> int64, int64 / 2 -> float32 [0.5, 1.0], int64 / int64 -> float32
        Assert.Equal(DType.Float32, (ints + Tensor.From(new[] { 0.5f })).DType);
        var doubled = ints * 2;
        Assert.Equal(DType.Int64, doubled.DType);
        Assert.Equal([2L, 4L], doubled.ToArray<long>());
        Assert.Equal([0L, 1L], (ints - 1).ToArray<long>());
        Assert.Equal([-1L, -2L], (-ints).ToArray<long>());
        var halves = ints / 2;
        Assert.Equal(DType.Float32, halves.DType);
        Assert.Equal([0.5f, 1f], halves.ToArray());
        Assert.Equal([1.5f, 2f], (Tensor.From(new long[] { 3, 4 }) / Tensor.From(new long[] { 2, 2 })).ToArray());
        Assert.Equal(DType.Float32, (ints * 0.5).DType);
        // torch.tensor([0, 1, 2]) > 0.5 -> [False, True, True]
        Assert.Equal([0.0, 1.0, 1.0], Tensor.From(new long[] { 0, 1, 2 }).Gt(0.5).ToArray().Select(v => (double)v));
        Assert.Equal([0L, 1L, 1L], Tensor.From(new long[] { 0, 1, 2 }).Gt(0).ToArray<long>());
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("log")]
    [InlineData("sigmoid")]
    [InlineData("relu")]
    [InlineData("gelu")]
    public void FloatingOnlyOps_OnInt64_ThrowClearError(string op)
    {
        var ints = Tensor.From(new long[] { 1, 2 });
        var ex = Assert.Throws<ArgumentException>(() => UnaryOp(op)(ints));
        Assert.Contains("torch.int64", ex.Message);
        Assert.Contains("floating point", ex.Message);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    [InlineData("Pow")]
    [InlineData("Maximum")]
    [InlineData("Where")]
    public void Binary_MismatchedShapes_ThrowNamingOpAndShapes(string op)
    {
        var a = Tensor.Ones(2, 3);
        var b = Tensor.Ones(4);
        var ex = Assert.Throws<ArgumentException>(() => op switch
        {
            "Add" => a + b,
            "Sub" => a - b,
            "Mul" => a * b,
            "Div" => a / b,
            "Pow" => a.Pow(b),
            "Maximum" => a.Maximum(b),
            _ => a.Where(Tensor.Ones(2, 3), b),
        });
        Assert.Contains(op, ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }

    [Fact]
    public void Comparisons_RecordNoGradient()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = x.Gt(1.5);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        Assert.Equal([0f, 1f], y.ToArray());
        Assert.Equal([1f, 0f], x.Le(Tensor.From(new[] { 1f, 1f })).ToArray());
        Assert.Equal([0f, 1f], x.Ne(Tensor.From(new[] { 1f, 1f })).ToArray());
    }

    [Fact]
    public void InPlaceOps_WriteValuesAndBroadcast()
    {
        var t = Tensor.Zeros(2, 3);
        t.Add_(Tensor.From(new[] { 1f, 2f, 3f }));
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f], t.ToArray());
        t.Add_(Tensor.From(new[] { 0.5 }, [1])); // float64 into float32: converted, as torch's add_
        Assert.Equal([1.5f, 2.5f, 3.5f, 1.5f, 2.5f, 3.5f], t.ToArray());
        t.Mul_(2);
        Assert.Equal([3f, 5f, 7f, 3f, 5f, 7f], t.ToArray());
        t.Copy_(Tensor.Arange(6));
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], t.ToArray());
        t.Fill_(7);
        Assert.All(t.ToArray(), v => Assert.Equal(7f, v));
        t.Zero_();
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void AddInPlace_ShapeThatDoesNotBroadcastIntoSelf_Throws()
    {
        var t = Tensor.Zeros(3);
        var ex = Assert.Throws<ArgumentException>(() => t.Add_(Tensor.Ones(2, 3)));
        Assert.Contains("Add_", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Throws<ArgumentException>(() => t.Add_(Tensor.Ones(4)));
        Assert.Throws<ArgumentException>(() => Tensor.From(new long[] { 1 }).Add_(Tensor.Ones(1)));
    }

    [Fact]
    public void InPlaceOps_OnLeafRequiringGrad_ThrowUnlessNoGrad()
    {
        var w = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var ex = Assert.Throws<InvalidOperationException>(() => w.Add_(Tensor.Ones(2)));
        Assert.Contains("leaf", ex.Message);
        Assert.Throws<InvalidOperationException>(() => w.Mul_(2));
        Assert.Throws<InvalidOperationException>(() => w.Fill_(0));
        Assert.Throws<InvalidOperationException>(() => w.Copy_(Tensor.Zeros(2)));
        using (Tensor.NoGrad())
        {
            w.Mul_(3);
            w.Add_(Tensor.Ones(2));
        }

        Assert.Equal([4f, 4f], w.ToArray());
    }

    internal static Func<Tensor, Tensor> UnaryOp(string op) => op switch
    {
        "exp" => x => x.Exp(),
        "log" => x => x.Log(),
        "sqrt" => x => x.Sqrt(),
        "abs" => x => x.Abs(),
        "tanh" => x => x.Tanh(),
        "sigmoid" => x => x.Sigmoid(),
        "relu" => x => x.Relu(),
        "leaky_relu" => x => x.LeakyRelu(0.2),
        "gelu" => x => x.Gelu(),
        "gelu_tanh" => x => x.Gelu(tanhApproximation: true),
        "clamp" => x => x.Clamp(-0.5, 0.7),
        "clamp_min" => x => x.Clamp(min: -0.3),
        "clamp_max" => x => x.Clamp(max: 0.4),
        "square" => x => x.Square(),
        "reciprocal" => x => x.Reciprocal(),
        "rsqrt" => x => x.Rsqrt(),
        "pow3" => x => x.Pow(3),
        "pow_half" => x => x.Pow(0.5),
        "pow_neg" => x => x.Pow(-1.5),
        "pow2_negative_base" => x => x.Pow(2),
        "pow0" => x => x.Pow(0),
        "scalar_base_pow" => x => Tensor.Pow(1.7, x),
        "sign" => x => x.Sign(),
        _ => throw new ArgumentException(op),
    };

    /// <summary>A float64 leaf requiring grad, uniform in [0.5, 2): inside the domain of log, sqrt, 1/x.</summary>
    private static Tensor Positive(int seed, params int[] shape)
    {
        var t = Tensor.Uniform(shape, 0.5, 2, DType.Float64, generator: new Generator(seed));
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertGradient(double[] expected, double[] at, Func<Tensor, Tensor> f)
    {
        var x = Tensor.From(at, [at.Length], requiresGrad: true);
        f(x).Sum().Backward();
        AssertValues(expected, x.Grad!);
    }

    private static void AssertValues(double[] expected, Tensor actual, double tolerance = 0)
    {
        var values = actual.DType == DType.Float64 ? actual.ToArray<double>() : actual.ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) Assert.True(double.IsNaN(values[i]), $"element {i}: expected NaN, got {values[i]}");
            else if (tolerance == 0 || double.IsInfinity(expected[i])) Assert.Equal(expected[i], values[i]);
            else Assert.True(Math.Abs(expected[i] - values[i]) <= tolerance, $"element {i}: expected {expected[i]:R}, got {values[i]:R}");
        }
    }
}
