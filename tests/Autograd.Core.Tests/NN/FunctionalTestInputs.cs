using Xunit;

namespace Autograd.Tests.NN;

/// <summary>
/// Deterministic inputs shared with the PyTorch reference script (functional_reference.py beside these tests):
/// element i of <see cref="Seq"/> is sin(a * i + b), computed in float64 on both sides, so the expected values
/// pasted into the tests come from exactly the tensors the tests build.
/// </summary>
internal static class FunctionalTestInputs
{
    /// <summary>Float64 tensor of the shape whose flat element i is sin(a * i + b) (the script's <c>seq</c>).</summary>
    public static Tensor Seq(int[] shape, double a = 0.37, double b = 0.1, bool requiresGrad = false)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = Math.Sin((a * i) + b);
        return Tensor.From(values, shape, requiresGrad);
    }

    /// <summary>Asserts the tensor's values (converted to double) match PyTorch's printed values.</summary>
    public static void AssertClose(double[] expected, Tensor actual, double tolerance = 1e-8)
    {
        var values = actual.DType == DType.Float64 ? actual.ToArray<double>() : Array.ConvertAll(actual.ToArray(), v => (double)v);
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - values[i]);
            Assert.True(
                diff <= tolerance * (1 + Math.Abs(expected[i])) || (double.IsNaN(expected[i]) && double.IsNaN(values[i])),
                $"element {i}: expected {expected[i]:G10}, got {values[i]:G10} (shape {Tensor.ShapeString(actual.ShapeRef)})");
        }
    }

    /// <summary>Runs the action and returns the ArgumentException's message, which must name the op.</summary>
    public static string ThrowsNaming(string op, Action action)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Contains(op, e.Message);
        return e.Message;
    }
}
