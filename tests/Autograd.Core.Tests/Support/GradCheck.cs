using Autograd;
using Xunit;

namespace Autograd.Tests.Support;

/// <summary>
/// PyTorch's gradcheck: the analytic gradient from backward against central finite differences, in float64,
/// with torch.autograd.gradcheck's defaults (eps 1e-6, atol 1e-5, rtol 1e-3). The function is reduced to a scalar
/// through a fixed random weighting, so every output element's gradient is exercised.
/// </summary>
public static class GradCheck
{
    public const double Eps = 1e-6;
    public const double Atol = 1e-5;
    public const double Rtol = 1e-3;

    /// <summary>Checks d f(inputs) / d inputs for every input that requires grad; inputs must be float64 leaves.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, inputs, Atol, Rtol);

    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double atol, double rtol)
    {
        foreach (var input in inputs)
            Assert.True(input.DType == DType.Float64 || !input.RequiresGrad, "gradcheck inputs that require grad must be float64");

        var probe = f(inputs);
        var weights = Tensor.Randn(probe.Shape, DType.Float64, generator: new Generator(1234));
        foreach (var input in inputs) input.Grad = null;
        var output = (f(inputs) * weights).Sum();
        output.Backward();

        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!input.RequiresGrad) continue;
            var analytic = input.Grad?.ToArray<double>() ?? new double[input.Numel];
            var numeric = NumericGradient(f, inputs, i, weights);
            for (int j = 0; j < numeric.Length; j++)
            {
                double diff = Math.Abs(analytic[j] - numeric[j]);
                Assert.True(
                    diff <= atol + (rtol * Math.Abs(numeric[j])),
                    $"gradient of input {i} (shape [{string.Join(", ", input.Shape)}]) element {j}: analytic {analytic[j]:G10} vs numeric {numeric[j]:G10}");
            }
        }
    }

    /// <summary>Central differences of sum(f(x) * weights) with respect to input <paramref name="index"/>.</summary>
    private static double[] NumericGradient(Func<Tensor[], Tensor> f, Tensor[] inputs, int index, Tensor weights)
    {
        var original = inputs[index].ToArray<double>();
        var shape = inputs[index].Shape;
        var result = new double[original.Length];
        using var noGrad = Tensor.NoGrad();
        for (int j = 0; j < original.Length; j++)
        {
            result[j] = (Evaluate(j, +Eps) - Evaluate(j, -Eps)) / (2 * Eps);
        }

        return result;

        double Evaluate(int element, double delta)
        {
            var perturbed = (double[])original.Clone();
            perturbed[element] += delta;
            var args = (Tensor[])inputs.Clone();
            args[index] = Tensor.From(perturbed, shape);
            return (f(args) * weights).Sum().ItemDouble();
        }
    }

    /// <summary>A float64 leaf of random normal values that requires grad.</summary>
    public static Tensor Input(int seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, generator: new Generator(seed), requiresGrad: true);
}
