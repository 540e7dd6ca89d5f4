using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// The seeded generators of <see cref="SyntheticDataSpec"/>: the same seed gives the same samples on every silo. The
/// distribution (class centres, linear teacher) comes from the seed; the training samples continue that stream, and
/// the test samples come from a second stream seeded by <see cref="HeldOutSeed"/>, so both splits share the
/// distribution and no test sample repeats a training one.
/// </summary>
public static class SyntheticDatasets
{
    /// <summary>Gaussian blobs: inputs [n, features] and class labels [n].</summary>
    public static (float[] Inputs, long[] Labels) Blobs(int samples, int features, int classes, double noise, long seed, DatasetSplit split = DatasetSplit.Train)
    {
        var g = new Generator(seed);
        var centres = new double[classes * features];
        for (int i = 0; i < centres.Length; i++) centres[i] = g.NextNormal();
        if (split == DatasetSplit.Test) g = new Generator(HeldOutSeed(seed));
        var inputs = new float[samples * features];
        var labels = new long[samples];
        for (int s = 0; s < samples; s++)
        {
            long label = g.NextInt64(classes);
            labels[s] = label;
            for (int f = 0; f < features; f++)
                inputs[(s * features) + f] = (float)(centres[(label * features) + f] + (noise * g.NextNormal()));
        }

        return (inputs, labels);
    }

    /// <summary>A random linear teacher: inputs [n, features] ~ N(0, 1), targets [n, outputs] = W x + b + noise.</summary>
    public static (float[] Inputs, float[] Targets) Linear(int samples, int features, int outputs, double noise, long seed, DatasetSplit split = DatasetSplit.Train)
    {
        var g = new Generator(seed);
        var weight = new double[outputs * features];
        double scale = 1 / Math.Sqrt(features);
        for (int i = 0; i < weight.Length; i++) weight[i] = g.NextNormal() * scale;
        var bias = new double[outputs];
        for (int o = 0; o < outputs; o++) bias[o] = g.NextNormal();
        if (split == DatasetSplit.Test) g = new Generator(HeldOutSeed(seed));

        var inputs = new float[samples * features];
        var targets = new float[samples * outputs];
        for (int s = 0; s < samples; s++)
        {
            for (int f = 0; f < features; f++) inputs[(s * features) + f] = (float)g.NextNormal();
            for (int o = 0; o < outputs; o++)
            {
                double y = bias[o];
                for (int f = 0; f < features; f++) y += weight[(o * features) + f] * inputs[(s * features) + f];
                targets[(s * outputs) + o] = (float)(y + (noise * g.NextNormal()));
            }
        }

        return (inputs, targets);
    }

    /// <summary>
    /// The seed of the test samples' stream, mixed from the dataset's (an odd multiplier, so distinct seeds keep
    /// distinct test streams). Even a collision with another seed would only restart a stream, not repeat the
    /// training samples, which are drawn after the distribution's parameters.
    /// </summary>
    public static long HeldOutSeed(long seed) => unchecked(((seed ^ 0x5DEECE66DL) * -7046029254386353131L) + 1);
}
