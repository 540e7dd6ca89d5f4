using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>Checks a <see cref="SyntheticDataSpec"/> by field and generates one of its splits (cheap: not cached).</summary>
internal static class SyntheticSource
{
    private const string Path = "dataset.syntheticData";

    /// <summary>The split's samples and class count; null for a test split of zero samples.</summary>
    public static (SampleSet Set, int Classes, TimeSpan Delay)? Generate(SyntheticDataSpec? spec, DatasetSplit split, int limit)
    {
        if (spec is null) throw new JobSpecException(Path, "is missing (dataset.kind is synthetic)");
        if (spec.Samples <= 0) throw new JobSpecException($"{Path}.samples", $"must be positive, got {spec.Samples}");
        if (spec.TestSamples < 0) throw new JobSpecException($"{Path}.testSamples", $"must be 0 (no test split) or positive, got {spec.TestSamples}");
        int features = TrainingDataBuilder.SampleNumel(spec.SampleShape, $"{Path}.sampleShape");
        if ((long)spec.Samples * features > DatasetProvider.MaxValues)
            throw new JobSpecException($"{Path}.samples", $"{spec.Samples} samples of {features} values exceed the {DatasetProvider.MaxValues} values a generated dataset may hold");
        if ((long)spec.TestSamples * features > DatasetProvider.MaxValues)
            throw new JobSpecException($"{Path}.testSamples", $"{spec.TestSamples} samples of {features} values exceed the {DatasetProvider.MaxValues} values a generated dataset may hold");
        if (!(spec.Noise >= 0) || double.IsInfinity(spec.Noise)) throw new JobSpecException($"{Path}.noise", $"must be a finite non-negative number, got {spec.Noise}");
        if (spec.ReadDelayMs < 0) throw new JobSpecException($"{Path}.readDelayMs", $"must not be negative, got {spec.ReadDelayMs}");
        var delay = TimeSpan.FromMilliseconds(spec.ReadDelayMs);

        int samples = split == DatasetSplit.Train ? spec.Samples : spec.TestSamples;
        if (limit > 0) samples = Math.Min(samples, limit);
        switch (spec.Generator)
        {
            case SyntheticDataSpec.Blobs:
            {
                if (spec.Classes < 2) throw new JobSpecException($"{Path}.classes", $"blobs need at least 2 classes, got {spec.Classes}");
                // One centre of the sample's size per class: checked before they are allocated.
                if ((long)spec.Classes * features > DatasetProvider.MaxValues)
                    throw new JobSpecException($"{Path}.classes", $"{spec.Classes} class centres of {features} values exceed the {DatasetProvider.MaxValues} values a generated dataset may hold");
                if (samples == 0) return null;
                var (inputs, labels) = SyntheticDatasets.Blobs(samples, features, spec.Classes, spec.Noise, spec.Seed, split);
                return (new SampleSet(Tensor.From(inputs, [samples, .. spec.SampleShape]), spec.SampleShape, labels, null, []), spec.Classes, delay);
            }

            case SyntheticDataSpec.Linear:
            {
                if (spec.Outputs <= 0) throw new JobSpecException($"{Path}.outputs", $"must be positive, got {spec.Outputs}");
                // A weight per feature and a target per sample for each output: checked before they are allocated.
                if ((long)spec.Outputs * Math.Max(features, Math.Max(spec.Samples, spec.TestSamples)) > DatasetProvider.MaxValues)
                    throw new JobSpecException($"{Path}.outputs", $"{spec.Outputs} outputs of {features} features over {Math.Max(spec.Samples, spec.TestSamples)} samples exceed the {DatasetProvider.MaxValues} values a generated dataset may hold");
                if (samples == 0) return null;
                var (inputs, targets) = SyntheticDatasets.Linear(samples, features, spec.Outputs, spec.Noise, spec.Seed, split);
                return (new SampleSet(Tensor.From(inputs, [samples, .. spec.SampleShape]), spec.SampleShape, null, targets, [spec.Outputs]), 0, delay);
            }

            default:
                throw new JobSpecException($"{Path}.generator", $"unknown generator '{spec.Generator}'; known generators: {string.Join(", ", SyntheticDataSpec.Generators)}");
        }
    }
}
