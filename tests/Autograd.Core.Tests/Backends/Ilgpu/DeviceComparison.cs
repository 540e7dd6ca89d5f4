using Autograd;
using Xunit;

namespace Autograd.Tests.Backends.Ilgpu;

/// <summary>One input of a comparison: its shape and the range its seeded uniform values come from.</summary>
public sealed record InputSpec(int[] Shape, double Low = -2, double High = 2, bool RequiresGrad = true)
{
    public static InputSpec Of(params int[] shape) => new(shape);

    public static InputSpec Positive(params int[] shape) => new(shape, 0.2, 3);
}

/// <summary>
/// Runs the same function on CPU tensors and on device tensors holding the same values, and checks that the
/// outputs and every input's gradient agree (float32: 1e-5 + 1e-4 relative; float64: 1e-11 + 1e-9 relative),
/// so each ILGPU kernel is judged against the CPU backend on identical inputs.
/// </summary>
public static class DeviceComparison
{
    public static void Check(Device device, DType dtype, Func<Tensor[], Tensor> f, params InputSpec[] inputs) =>
        Check(device, dtype, f, inputs, seed: 17);

    public static void Check(Device device, DType dtype, Func<Tensor[], Tensor> f, InputSpec[] inputs, int seed)
    {
        var random = new Random(seed);
        var values = inputs.Select(s => Enumerable.Range(0, s.Shape.Aggregate(1, (a, b) => a * b)).Select(_ => s.Low + ((s.High - s.Low) * random.NextDouble())).ToArray()).ToArray();
        var cpu = inputs.Select((s, i) => Make(values[i], s, dtype, Device.Cpu)).ToArray();
        var dev = inputs.Select((s, i) => Make(values[i], s, dtype, device)).ToArray();

        var expected = f(cpu);
        var actual = f(dev);
        Assert.Equal(device, actual.Device);
        AssertClose(expected, actual, "output");

        if (!expected.RequiresGrad) return;
        var upstream = Enumerable.Range(0, expected.Numel).Select(_ => random.NextDouble() - 0.5).ToArray();
        expected.Backward(Make(upstream, new InputSpec(expected.Shape, RequiresGrad: false), expected.DType, Device.Cpu));
        actual.Backward(Make(upstream, new InputSpec(actual.Shape, RequiresGrad: false), actual.DType, device));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) continue;
            Assert.True(cpu[i].Grad is not null, $"input {i} got no gradient on the CPU");
            Assert.True(dev[i].Grad is not null, $"input {i} got no gradient on {device}");
            Assert.Equal(device, dev[i].Grad!.Device);
            AssertClose(cpu[i].Grad!, dev[i].Grad!, $"gradient of input {i}");
        }
    }

    /// <summary>Same shape, dtype and values within the dtype's tolerance (NaNs must match NaNs).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        if (expected.DType == DType.Int64)
        {
            Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>());
            return;
        }

        var e = expected.DType == DType.Float64 ? expected.ToArray<double>() : Array.ConvertAll(expected.ToArray<float>(), v => (double)v);
        var a = actual.DType == DType.Float64 ? actual.ToArray<double>() : Array.ConvertAll(actual.ToArray<float>(), v => (double)v);
        double atol = expected.DType == DType.Float64 ? 1e-11 : 1e-5, rtol = expected.DType == DType.Float64 ? 1e-9 : 1e-4;
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) || double.IsNaN(a[i]))
            {
                Assert.True(double.IsNaN(e[i]) && double.IsNaN(a[i]), $"{what}[{i}]: expected {e[i]:G10}, got {a[i]:G10}");
                continue;
            }

            if (double.IsInfinity(e[i]))
            {
                Assert.Equal(e[i], a[i]);
                continue;
            }

            Assert.True(Math.Abs(e[i] - a[i]) <= atol + (rtol * Math.Abs(e[i])), $"{what}[{i}]: expected {e[i]:G10}, got {a[i]:G10} (shape [{string.Join(", ", expected.Shape)}])");
        }
    }

    public static Tensor Make(double[] values, InputSpec spec, DType dtype, Device device)
    {
        if (spec.Shape.Length == 0)
        {
            // Tensor.From reads an empty shape as [values.Length]: a 0-D input is a scalar.
            var scalar = Tensor.Scalar(values[0], dtype, device);
            scalar.RequiresGrad = spec.RequiresGrad && dtype.IsFloatingPoint();
            return scalar;
        }

        return MakeShaped(values, spec, dtype, device);
    }

    private static Tensor MakeShaped(double[] values, InputSpec spec, DType dtype, Device device) => dtype switch
    {
        DType.Float32 => Tensor.From(Array.ConvertAll(values, v => (float)v), spec.Shape, spec.RequiresGrad, device),
        DType.Float64 => Tensor.From(values, spec.Shape, spec.RequiresGrad, device),
        _ => Tensor.From(Array.ConvertAll(values, v => (long)v), spec.Shape, device),
    };
}
