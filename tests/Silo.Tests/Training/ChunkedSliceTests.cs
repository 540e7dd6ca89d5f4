using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Silo.Training;
using Autograd.Optim;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

/// <summary>
/// A shard's slice updated chunk by chunk must be the slice updated at once: same values bit for bit, and optimizer
/// state that reads and loads as the whole slice's (what checkpoints store by parameter name).
/// </summary>
public sealed class ChunkedSliceTests
{
    /// <summary>Two and a half chunks.</summary>
    private const int Count = (2 * GradientChunks.Floats) + (GradientChunks.Floats / 2);

    [Fact]
    public void Step_EveryChunkInTurn_EqualsAdamOnTheWholeSlice()
    {
        var start = Values(seed: 1);
        using var slice = new ChunkedSlice(start);
        var chunked = new Adam(slice.Parameters, lr: 0.01f, weightDecay: 0.1f);
        var whole = Tensor.From(start, [Count], requiresGrad: true);
        var reference = new Adam([whole], lr: 0.01f, weightDecay: 0.1f);

        for (int step = 0; step < 3; step++)
        {
            var gradient = Values(seed: 10 + step);
            // Out of order, as chunks arrive from the wire.
            foreach (int c in (int[])[2, 0, 1])
            {
                var (offset, count) = GradientChunks.Range(Count, c);
                gradient.AsSpan(offset, count).CopyTo(slice.Gradient(c));
                slice.Step(chunked, c);
            }

            whole.Grad = Tensor.From(gradient, [Count]);
            reference.Step();
            AssertBitwiseEqual(whole.ToArray(), slice.ToArray(), $"step {step + 1}");
        }

        Assert.Equal(3, slice.Parameters.Count);
        Assert.All(slice.Parameters, p => Assert.Null(p.Grad));
        // The chunks' live values are the arrays the tensors share, and the gradient norm covers every chunk.
        for (int c = 0; c < 3; c++)
            Assert.Equal(slice.Parameters[c].ToArray(), slice.Values(c));
        var last = Values(seed: 12);
        double norm = Math.Sqrt(last.Sum(v => (double)v * v));
        Assert.True(Math.Abs(slice.GradientNorm() - norm) <= 1e-5 * norm, $"gradient norm {slice.GradientNorm()}, expected {norm}");
    }

    [Fact]
    public void OptimizerState_LoadedIntoAFreshSlice_ContinuesExactlyAsTheOriginal()
    {
        using var original = new ChunkedSlice(Values(seed: 2));
        var adam = new Adam(original.Parameters, lr: 0.01f);
        StepAll(original, adam, Values(seed: 20));
        StepAll(original, adam, Values(seed: 21));

        var (names, state, step) = original.OptimizerState(adam);
        Assert.Equal(["exp_avg", "exp_avg_sq"], names);
        Assert.All(state, values => Assert.Equal(Count, values.Length));
        Assert.Equal(2, step);

        using var restored = new ChunkedSlice(original.ToArray());
        var restoredAdam = new Adam(restored.Parameters, lr: 0.01f);
        restored.LoadOptimizerState(restoredAdam, names, state, step);
        var next = Values(seed: 22);
        StepAll(original, adam, next);
        StepAll(restored, restoredAdam, next);

        AssertBitwiseEqual(original.ToArray(), restored.ToArray(), "the step after the restore");
    }

    [Fact]
    public void LoadOptimizerState_ArrayOfAnotherLength_ThrowsNamingBothLengths()
    {
        using var slice = new ChunkedSlice(new float[Count]);
        var adam = new Adam(slice.Parameters);

        var e = Assert.Throws<ArgumentException>(() => slice.LoadOptimizerState(adam, ["exp_avg"], [new float[10]], 1));

        Assert.Contains("10 floats", e.Message);
        Assert.Contains($"a slice of {Count}", e.Message);
    }

    private static void StepAll(ChunkedSlice slice, Optimizer optimizer, float[] gradient)
    {
        for (int c = 0; c < slice.Parameters.Count; c++)
        {
            var (offset, count) = GradientChunks.Range(Count, c);
            gradient.AsSpan(offset, count).CopyTo(slice.Gradient(c));
            slice.Step(optimizer, c);
        }
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual, string when)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{when}, element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static float[] Values(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Count).Select(_ => random.NextSingle() - 0.5f).ToArray();
    }
}
