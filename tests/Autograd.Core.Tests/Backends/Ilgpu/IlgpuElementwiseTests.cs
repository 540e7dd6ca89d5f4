using Autograd;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuElementwiseTests
{
    public static TheoryData<string, DType, string> UnaryCases
    {
        get
        {
            var data = new TheoryData<string, DType, string>();
            string[] ops = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "gelu_tanh", "clamp", "clamp_min", "pow", "scalar_pow", "reciprocal", "sign", "affine", "neg", "rsub"];
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    foreach (var op in ops) data.Add(device, dtype, op);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void Unary_MatchesCpuBackend_ValuesAndGradients(string target, DType dtype, string op)
    {
        var device = IlgpuTargets.Require(target);
        Func<Tensor, Tensor> f = op switch
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
            "clamp" => x => x.Clamp(-0.5, 0.75),
            "clamp_min" => x => x.Clamp(min: 0.1),
            "pow" => x => x.Pow(2.5),
            "scalar_pow" => x => Tensor.Pow(1.7, x),
            "reciprocal" => x => x.Reciprocal(),
            "sign" => x => x.Sign(),
            "affine" => x => (x * 3) + 1,
            "neg" => x => -x,
            _ => x => 2 - x,
        };
        bool positive = op is "log" or "sqrt" or "pow" or "reciprocal";
        Check(device, dtype, xs => f(xs[0]), positive ? InputSpec.Positive(3, 7) : InputSpec.Of(3, 7));
    }

    public static TheoryData<string, DType, string> BinaryCases
    {
        get
        {
            var data = new TheoryData<string, DType, string>();
            string[] ops = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    foreach (var op in ops) data.Add(device, dtype, op);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_WithBroadcasting_MatchesCpuBackend(string target, DType dtype, string op)
    {
        var device = IlgpuTargets.Require(target);
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "add" => (a, b) => a + b,
            "sub" => (a, b) => a - b,
            "mul" => (a, b) => a * b,
            "div" => (a, b) => a / b,
            "pow" => (a, b) => a.Pow(b),
            "maximum" => (a, b) => a.Maximum(b),
            _ => (a, b) => a.Minimum(b),
        };
        bool positive = op is "div" or "pow";
        InputSpec Spec(params int[] shape) => positive ? InputSpec.Positive(shape) : InputSpec.Of(shape);

        // Same shapes, a row against a matrix, a column against a 3-D tensor, a scalar against a vector.
        Check(device, dtype, xs => f(xs[0], xs[1]), Spec(4, 5), Spec(4, 5));
        Check(device, dtype, xs => f(xs[0], xs[1]), Spec(2, 3, 4), Spec(4));
        Check(device, dtype, xs => f(xs[0], xs[1]), Spec(3, 1), Spec(2, 3, 4));
        Check(device, dtype, xs => f(xs[0], xs[1]), Spec(), Spec(6));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Binary_EightAlternatingBroadcastDims_MatchesCpuBackend(string target, DType dtype)
    {
        // Eight dimensions that cannot be merged exceed a kernel's layout argument: the backend expands first.
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0] * xs[1], InputSpec.Of(2, 1, 2, 1, 2, 1, 2, 1), InputSpec.Of(1, 2, 1, 2, 1, 2, 1, 2));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Comparisons_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var a = new InputSpec([3, 4], -2, 2, RequiresGrad: false);
        var b = new InputSpec([4], -2, 2, RequiresGrad: false);
        Check(device, dtype, xs => xs[0].Lt(xs[1]) + xs[0].Ge(xs[1]) * 2 + xs[0].Eq(xs[0]) * 4 + xs[0].Ne(xs[1]) * 8 + xs[0].Gt(0.5) * 16 + xs[0].Le(xs[1]) * 32, a, b);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Where_WithBroadcasting_MatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].Where(xs[0].Gt(xs[1]), xs[1]), InputSpec.Of(3, 4), InputSpec.Of(4));
        Check(device, dtype, xs => xs[0].Where(xs[1].Lt(0), xs[1] * 2), InputSpec.Of(2, 1, 4), InputSpec.Of(3, 1));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void IntegerArithmeticAndWhere_MatchCpuBackend(string target)
    {
        var device = IlgpuTargets.Require(target);
        long[] a = [3, -1, 7, 0, 5, 2], b = [1, 2, 3];
        foreach (var on in new[] { Device.Cpu, device })
        {
            var ta = Tensor.From(a, [2, 3], on);
            var tb = Tensor.From(b, [3], on);
            var sum = ta + tb;
            Assert.Equal(DType.Int64, sum.DType);
            Assert.Equal([4L, 1, 10, 1, 7, 5], sum.ToArray<long>());
            Assert.Equal([1L, 0, 1, 0, 1, 0], ta.Gt(tb).ToArray<long>());
            Assert.Equal([3L, 2, 7, 1, 5, 3], ta.Where(ta.Gt(tb), tb).ToArray<long>());
        }
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void NaNAndInfinity_PropagateAsOnCpu(string target)
    {
        var device = IlgpuTargets.Require(target);
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 1f];
        foreach (var op in new Func<Tensor, Tensor>[] { x => x.Relu(), x => x.Exp(), x => x.Maximum(Tensor.Zeros([5], DType.Float32, x.Device)), x => x.Clamp(-1, 1), x => x.Sign(), x => x.Max() })
        {
            var expected = op(Tensor.From(values, [5]));
            var actual = op(Tensor.From(values, [5], device: device));
            AssertClose(expected, actual, "special values");
        }

        // The derivatives that branch on the sign (abs's sgn, leaky relu's slope) at the same special values.
        foreach (var op in new Func<Tensor, Tensor>[] { x => x.Abs(), x => x.LeakyRelu(0.1) })
        {
            var expected = GradientAt(op, Tensor.From(values, [5]));
            var actual = GradientAt(op, Tensor.From(values, [5], device: device));
            AssertClose(expected, actual, "special values' gradient");
        }
    }

    private static Tensor GradientAt(Func<Tensor, Tensor> op, Tensor x)
    {
        x.RequiresGrad_();
        op(x).Sum().Backward();
        return x.Grad!;
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void Casts_BetweenAllDTypes_MatchCpuBackend(string target)
    {
        var device = IlgpuTargets.Require(target);
        var values = new double[] { -2.75, -1, -0.5, 0, 0.5, 1.25, 3, 1e10 };
        foreach (var from in new[] { DType.Float32, DType.Float64, DType.Int64 })
        {
            foreach (var to in new[] { DType.Float32, DType.Float64, DType.Int64 })
            {
                var spec = new InputSpec([8], RequiresGrad: false);
                var expected = Make(values, spec, from, Device.Cpu).ToType(to);
                var actual = Make(values, spec, from, device).ToType(to);
                AssertClose(expected, actual, $"{from} -> {to}");
            }
        }
    }
}
