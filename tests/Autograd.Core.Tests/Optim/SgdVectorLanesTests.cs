using Autograd.Optim;
using Xunit;

namespace Autograd.Tests.Optim;

/// <summary>
/// The CPU SGD step runs SIMD lanes over whole vectors and a scalar loop over the tail; the PyTorch comparisons in
/// <see cref="OptimizerTests"/> use tensors shorter than a vector. Here a tensor of 1003 elements (vectors and a tail)
/// takes three steps of every SGD variant, and every element must equal, bit for bit, the same formulas computed one
/// element at a time in float32.
/// </summary>
public sealed class SgdVectorLanesTests
{
    private const int Length = 1003;

    public static TheoryData<float, float, float, bool, bool> Variants() => new()
    {
        { 0f, 0f, 0f, false, false },
        { 0f, 0.01f, 0f, false, true },
        { 0.9f, 0f, 0f, false, false },
        { 0.9f, 0.01f, 0.1f, false, false },
        { 0.9f, 0.01f, 0f, true, false },
        { 0.9f, 0f, 0f, true, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryElement_EqualsTheScalarFormulas(float momentum, float weightDecay, float dampening, bool nesterov, bool maximize)
    {
        const float lr = 0.05f;
        var rng = new Random(7);
        float[] start = Enumerable.Range(0, Length).Select(_ => (float)((rng.NextDouble() * 4) - 2)).ToArray();
        var param = Tensor.From(start, [Length], requiresGrad: true);
        var sgd = new SGD([param], lr, momentum, dampening, weightDecay, nesterov, maximize);

        float[] expected = (float[])start.Clone();
        float[] buffer = new float[Length];
        float keep = (float)(1 - (double)dampening);
        for (int step = 0; step < 3; step++)
        {
            float[] grad = Enumerable.Range(0, Length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
            param.Grad = Tensor.From(grad, [Length]);
            sgd.Step();
            for (int i = 0; i < Length; i++)
            {
                float d = maximize ? -grad[i] : grad[i];
                if (weightDecay != 0) d += weightDecay * expected[i];
                if (momentum != 0)
                {
                    buffer[i] = step == 0 ? d : (momentum * buffer[i]) + (keep * d);
                    d = nesterov ? d + (momentum * buffer[i]) : buffer[i];
                }

                expected[i] -= lr * d;
            }

            float[] actual = param.ToArray();
            for (int i = 0; i < Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(expected[i]), $"step {step + 1}, element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
