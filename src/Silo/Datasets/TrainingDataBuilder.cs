using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Data;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>Turns a source's <see cref="SampleSet"/> into a job's <see cref="TrainingData"/>: the limit, then targets in the loss's form.</summary>
internal static class TrainingDataBuilder
{
    /// <summary>
    /// The first <paramref name="limit"/> samples (0 = all) of <paramref name="set"/>; class labels become indices for
    /// cross-entropy and one-hot floats for the other losses; float targets are refused by cross-entropy.
    /// </summary>
    public static TrainingData Build(SampleSet set, int classes, int limit, string loss, TimeSpan delay)
    {
        int n = limit > 0 ? Math.Min(limit, set.Count) : set.Count;
        var inputs = n < set.Count ? set.Inputs.Narrow(0, 0, n) : set.Inputs;
        if (set.Labels is { } labels)
            return WithLabels(inputs, n < labels.Length ? labels[..n] : labels, classes, set.SampleShape, loss, delay);
        int targetNumel = set.TargetShape.Aggregate(1, (a, d) => a * d);
        var values = set.Targets ?? throw new InvalidOperationException("a sample set has neither labels nor targets");
        return WithValues(inputs, n < set.Count ? values[..(n * targetNumel)] : values, set.SampleShape, set.TargetShape, loss, delay);
    }

    /// <summary>Class labels: kept as indices for cross-entropy, one-hot floats for the other losses.</summary>
    public static TrainingData WithLabels(Tensor inputs, long[] labels, int classes, int[] sampleShape, string loss, TimeSpan delay)
    {
        if (loss == LossNames.CrossEntropy)
            return new TrainingData(new TensorDataset(inputs, Tensor.From(labels, [labels.Length])), sampleShape, TargetKind.Labels, [], classes, delay);
        if ((long)labels.Length * classes > DatasetProvider.MaxValues)
            throw new JobSpecException("loss", $"{loss} needs one-hot targets, and {labels.Length} samples x {classes} classes exceed the {DatasetProvider.MaxValues} values a dataset may hold: use cross-entropy");
        var oneHot = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) oneHot[(i * classes) + labels[i]] = 1;
        var targets = Tensor.From(oneHot, [labels.Length, classes]);
        return new TrainingData(new TensorDataset(inputs, targets), sampleShape, TargetKind.OneHot, [classes], classes, delay);
    }

    public static TrainingData WithValues(Tensor inputs, float[] values, int[] sampleShape, int[] targetShape, string loss, TimeSpan delay)
    {
        if (loss == LossNames.CrossEntropy)
            throw new JobSpecException("loss", $"cross-entropy needs class labels, but the dataset gives float targets of shape [{string.Join(", ", targetShape)}] per sample");
        int n = inputs.Shape[0];
        var targets = Tensor.From(values, [n, .. targetShape]);
        return new TrainingData(new TensorDataset(inputs, targets), sampleShape, TargetKind.Values, targetShape, 0, delay);
    }

    /// <summary>The values in one sample of <paramref name="shape"/>, refusing empty, non-positive or oversized shapes.</summary>
    public static int SampleNumel(int[]? shape, string field)
    {
        if (shape is not { Length: > 0 } || shape.Any(d => d <= 0))
            throw new JobSpecException(field, $"must be a non-empty list of positive sizes, got [{string.Join(", ", shape ?? [])}]");
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > DatasetProvider.MaxValues) throw new JobSpecException(field, $"one sample of [{string.Join(", ", shape)}] exceeds {DatasetProvider.MaxValues} values");
        }

        return (int)n;
    }

    /// <summary>The class count: <paramref name="given"/> when positive, else one more than the largest training label.</summary>
    public static int Classes(int given, SampleSet train, string field)
    {
        if (given < 0) throw new JobSpecException(field, $"must be 0 (one more than the largest label) or positive, got {given}");
        return given > 0 ? given : train.LabelBound();
    }

    /// <summary>Refuses a label outside [0, <paramref name="classes"/>), naming its sample.</summary>
    public static void CheckLabels(long[] labels, int classes, string field)
    {
        int bad = Array.FindIndex(labels, l => l < 0 || l >= classes);
        if (bad >= 0) throw new JobSpecException(field, $"label {bad} is {labels[bad]}, outside [0, {classes})");
    }
}
