using System.Numerics.Tensors;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A shard's gradient averaging: the contributions of one step, each weighted by its share of the step's samples
/// (the gradient of the mean loss over the global batch), summed in rank order in float32 with SIMD
/// (<see cref="TensorPrimitives"/>) straight from the received blocks into a caller's span (a shard averages each
/// chunk into that chunk's gradient).
/// </summary>
/// <remarks>
/// The sum walks the slice in chunks that stay in the L1/L2 cache, adding every contribution to a chunk before moving
/// on, so the result is written to memory once rather than once per contribution. Float accumulation in rank order
/// differs from a double sum by a few ulps per contribution: the data-parallel equivalence tolerance.
/// </remarks>
public static class GradientAverager
{
    /// <summary>Floats per chunk: 16 KiB of result plus as much of each contribution fits in L2 alongside.</summary>
    internal const int ChunkFloats = 4096;

    /// <summary>
    /// Writes the weighted mean of <paramref name="contributions"/> (every rank present, each as long as
    /// <paramref name="destination"/>) into <paramref name="destination"/>, as <see cref="WeightedMean(IReadOnlyList{FloatBlock}, IReadOnlyList{long}, Span{float})"/>
    /// with each contribution's samples as its weight; returns the total samples.
    /// </summary>
    /// <exception cref="ArgumentException">A rank has not contributed, or a contribution's length differs from the destination's.</exception>
    public static long WeightedMean(IReadOnlyList<GradientContribution?> contributions, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        var blocks = new FloatBlock[contributions.Count];
        var samples = new long[contributions.Count];
        for (int i = 0; i < contributions.Count; i++)
        {
            var c = contributions[i] ?? throw new ArgumentException($"GradientAverager: rank {i} has not contributed", nameof(contributions));
            blocks[i] = c.Gradient;
            samples[i] = c.Samples;
        }

        return WeightedMean(blocks, samples, destination);
    }

    /// <summary>
    /// Writes sum_i (samples_i / sum samples) x blocks_i into <paramref name="destination"/>, in index order, skipping
    /// blocks of zero samples (they carry no gradient); all zeros when no block has samples. Returns the total samples.
    /// </summary>
    /// <exception cref="ArgumentException">A block's length differs from the destination's, or a sample count is negative.</exception>
    public static long WeightedMean(IReadOnlyList<FloatBlock> blocks, IReadOnlyList<long> samples, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(samples);
        if (blocks.Count != samples.Count)
            throw new ArgumentException($"GradientAverager: {blocks.Count} blocks but {samples.Count} sample counts", nameof(samples));
        long total = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (samples[i] < 0) throw new ArgumentException($"GradientAverager: rank {i} has {samples[i]} samples", nameof(samples));
            if (blocks[i].Count != destination.Length)
                throw new ArgumentException($"GradientAverager: rank {i} sent {blocks[i].Count} values for a slice of {destination.Length}", nameof(blocks));
            total += samples[i];
        }

        var weights = new float[blocks.Count];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)((double)samples[i] / Math.Max(total, 1));
        int first = Array.FindIndex(weights, w => w != 0f);
        if (first < 0)
        {
            destination.Clear();
            return total;
        }

        for (int start = 0; start < destination.Length; start += ChunkFloats)
        {
            int length = Math.Min(ChunkFloats, destination.Length - start);
            var chunk = destination.Slice(start, length);
            TensorPrimitives.Multiply(blocks[first].Span.Slice(start, length), weights[first], chunk);
            for (int i = first + 1; i < blocks.Count; i++)
            {
                if (weights[i] == 0f) continue;
                TensorPrimitives.MultiplyAdd(blocks[i].Span.Slice(start, length), weights[i], chunk, chunk);
            }
        }

        return total;
    }
}
