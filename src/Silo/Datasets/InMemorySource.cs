using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>Checks client-sent samples (<see cref="InMemorySamples"/>) field by field and makes their splits.</summary>
internal static class InMemorySource
{
    private const string InlinePath = "dataset.inMemoryData";

    /// <summary>The inline <see cref="InMemoryDataSpec"/>, which travels in one message.</summary>
    public static InMemoryDataset FromSpec(InMemoryDataSpec? spec)
    {
        if (spec is null) throw new JobSpecException(InlinePath, "is missing (dataset.kind is in-memory and no dataset.uploadId is given)");
        long sent = (spec.Inputs?.Count ?? 0) + (spec.Targets?.Count ?? 0) + (spec.Labels?.Length ?? 0)
            + (spec.TestInputs?.Count ?? 0) + (spec.TestTargets?.Count ?? 0) + (spec.TestLabels?.Length ?? 0);
        if (sent > FloatBlock.MaxFloats)
            throw new JobSpecException($"{InlinePath}.inputs", $"{sent} inline values exceed the {FloatBlock.MaxFloats} one message may carry: upload the dataset in chunks (dataset.uploadId)");
        return Check(
            new InMemorySamples(
                spec.SampleShape,
                (spec.Inputs ?? FloatBlock.Empty).ToArray(),
                spec.Labels,
                spec.Classes,
                spec.Targets?.ToArray(),
                spec.TargetShape,
                spec.TestInputs?.ToArray(),
                spec.TestLabels,
                spec.TestTargets?.ToArray()),
            InlinePath);
    }

    /// <summary>
    /// Checks <paramref name="samples"/>, naming fields under <paramref name="path"/> (<c>{path}.labels</c>, ...), and
    /// makes the inputs tensors.
    /// </summary>
    public static InMemoryDataset Check(InMemorySamples samples, string path)
    {
        int classes = Validate(samples, path);
        var train = new SampleSet(Inputs(samples.Inputs, samples.SampleShape), samples.SampleShape, samples.Labels, samples.Targets, samples.Labels is null ? samples.TargetShape : []);
        SampleSet? test = samples.TestInputs is { } testInputs
            ? new SampleSet(Inputs(testInputs, samples.SampleShape), samples.SampleShape, samples.TestLabels, samples.TestTargets, samples.Labels is null ? samples.TargetShape : [])
            : null;
        return new InMemoryDataset(train, test, classes);
    }

    /// <summary>Checks <paramref name="samples"/> without making tensors; returns the class count (0 for float targets).</summary>
    public static int Validate(InMemorySamples samples, string path)
    {
        int features = TrainingDataBuilder.SampleNumel(samples.SampleShape, $"{path}.sampleShape");
        long total = (long)samples.Inputs.Length + (samples.TestInputs?.Length ?? 0);
        if (total > DatasetProvider.MaxValues)
            throw new JobSpecException($"{path}.inputs", $"{total} input values exceed the {DatasetProvider.MaxValues} an in-memory dataset may hold");
        int n = Samples(samples.Inputs, features, samples.SampleShape, $"{path}.inputs");
        if ((samples.Labels is null) == (samples.Targets is null))
            throw new JobSpecException($"{path}.labels", "give either labels (class indices) or targets (float values), not both or neither");

        int classes = 0;
        int targetNumel = 0;
        if (samples.Labels is { } labels)
        {
            if (labels.Length != n) throw new JobSpecException($"{path}.labels", $"{labels.Length} labels for {n} samples");
            if (samples.Classes < 0) throw new JobSpecException($"{path}.classes", $"must not be negative, got {samples.Classes}");
            classes = samples.Classes > 0 ? samples.Classes : (int)Math.Min(labels.Max() + 1, int.MaxValue);
            TrainingDataBuilder.CheckLabels(labels, classes, $"{path}.labels");
        }
        else
        {
            targetNumel = TrainingDataBuilder.SampleNumel(samples.TargetShape, $"{path}.targetShape");
            if (samples.Targets!.Length != (long)n * targetNumel)
                throw new JobSpecException($"{path}.targets", $"{samples.Targets.Length} values for {n} samples of shape [{string.Join(", ", samples.TargetShape)}]");
        }

        ValidateTest(samples, path, features, classes, targetNumel);
        return classes;
    }

    private static void ValidateTest(InMemorySamples samples, string path, int features, int classes, int targetNumel)
    {
        if (samples.TestInputs is not { } inputs)
        {
            if (samples.TestLabels is not null || samples.TestTargets is not null)
                throw new JobSpecException($"{path}.testInputs", "test labels or targets were given without test inputs");
            return;
        }

        int m = Samples(inputs, features, samples.SampleShape, $"{path}.testInputs");
        if (samples.Labels is not null)
        {
            if (samples.TestTargets is not null) throw new JobSpecException($"{path}.testTargets", "the training split has labels, so the test split needs labels too, not float targets");
            var labels = samples.TestLabels ?? throw new JobSpecException($"{path}.testLabels", $"{m} test samples have no labels");
            if (labels.Length != m) throw new JobSpecException($"{path}.testLabels", $"{labels.Length} labels for {m} test samples");
            TrainingDataBuilder.CheckLabels(labels, classes, $"{path}.testLabels");
            return;
        }

        if (samples.TestLabels is not null) throw new JobSpecException($"{path}.testLabels", "the training split has float targets, so the test split needs targets too, not labels");
        var targets = samples.TestTargets ?? throw new JobSpecException($"{path}.testTargets", $"{m} test samples have no targets");
        if (targets.Length != (long)m * targetNumel)
            throw new JobSpecException($"{path}.testTargets", $"{targets.Length} values for {m} test samples of shape [{string.Join(", ", samples.TargetShape)}]");
    }

    private static Tensor Inputs(float[] values, int[] sampleShape) =>
        Tensor.From(values, [values.Length / sampleShape.Aggregate(1, (a, d) => a * d), .. sampleShape]);

    private static int Samples(float[] inputs, int features, int[] shape, string field)
    {
        if (inputs.Length == 0 || inputs.Length % features != 0)
            throw new JobSpecException(field, $"{inputs.Length} values are not a positive whole number of samples of shape [{string.Join(", ", shape)}]");
        return inputs.Length / features;
    }
}
