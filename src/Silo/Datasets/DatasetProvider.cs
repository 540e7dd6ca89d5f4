using System.Collections.Concurrent;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Data;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Makes a job's <see cref="TrainingData"/> from its <see cref="DatasetSpec"/>, refusing bad specs by field. One per
/// silo: Fashion-MNIST is read once per folder and shared (read-only) by every job and worker on the silo.
/// </summary>
public sealed class DatasetProvider
{
    /// <summary>The most input values a generated or uploaded dataset may hold (256 MiB of floats).</summary>
    public const long MaxValues = 64L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Lazy<TensorDataset>> _fashionMnist = new(StringComparer.Ordinal);

    /// <summary>The data for <paramref name="spec"/> with targets in the form <paramref name="loss"/> needs.</summary>
    public TrainingData Load(DatasetSpec? spec, string loss)
    {
        if (spec is null) throw new JobSpecException("dataset", "is missing");
        return spec.Kind switch
        {
            DatasetSpec.FashionMnist => LoadFashionMnist(spec, loss),
            DatasetSpec.Synthetic => Generate(spec.SyntheticData, loss),
            DatasetSpec.InMemory => FromUpload(spec.InMemoryData, loss),
            _ => throw new JobSpecException("dataset.kind", $"unknown dataset '{spec.Kind}'; known datasets: {string.Join(", ", DatasetSpec.Kinds)}"),
        };
    }

    private TrainingData LoadFashionMnist(DatasetSpec spec, string loss)
    {
        if (spec.Limit < 0) throw new JobSpecException("dataset.limit", $"must be 0 (all) or positive, got {spec.Limit}");
        string directory = FashionMnistFiles.ResolveDirectory(spec.Directory);
        if (!FashionMnistFiles.IsAvailable(directory))
            throw new JobSpecException(spec.Directory is null ? "dataset" : "dataset.directory", $"no Fashion-MNIST files in '{directory}' on this silo");

        var full = _fashionMnist.GetOrAdd(directory, d => new Lazy<TensorDataset>(() => FashionMnist.Load(train: true, d))).Value;
        var images = full.Tensors[0];
        var labels = full.Tensors[1];
        if (spec.Limit > 0 && spec.Limit < full.Count)
        {
            images = images.Narrow(0, 0, spec.Limit);
            labels = labels.Narrow(0, 0, spec.Limit);
        }

        int[] shape = [1, FashionMnistFiles.ImageSize, FashionMnistFiles.ImageSize];
        return WithTargets(images, labels.ToArray<long>(), FashionMnistFiles.ClassCount, shape, loss, TimeSpan.Zero);
    }

    private static TrainingData Generate(SyntheticDataSpec? spec, string loss)
    {
        const string path = "dataset.syntheticData";
        if (spec is null) throw new JobSpecException(path, "is missing (dataset.kind is synthetic)");
        if (spec.Samples <= 0) throw new JobSpecException($"{path}.samples", $"must be positive, got {spec.Samples}");
        int features = SampleNumel(spec.SampleShape, $"{path}.sampleShape");
        if ((long)spec.Samples * features > MaxValues)
            throw new JobSpecException($"{path}.samples", $"{spec.Samples} samples of {features} values exceed the {MaxValues} values a generated dataset may hold");
        if (!(spec.Noise >= 0) || double.IsInfinity(spec.Noise)) throw new JobSpecException($"{path}.noise", $"must be a finite non-negative number, got {spec.Noise}");
        if (spec.ReadDelayMs < 0) throw new JobSpecException($"{path}.readDelayMs", $"must not be negative, got {spec.ReadDelayMs}");
        var delay = TimeSpan.FromMilliseconds(spec.ReadDelayMs);

        switch (spec.Generator)
        {
            case SyntheticDataSpec.Blobs:
            {
                if (spec.Classes < 2) throw new JobSpecException($"{path}.classes", $"blobs need at least 2 classes, got {spec.Classes}");
                var (inputs, labels) = SyntheticDatasets.Blobs(spec.Samples, features, spec.Classes, spec.Noise, spec.Seed);
                var images = Tensor.From(inputs, [spec.Samples, .. spec.SampleShape]);
                return WithTargets(images, labels, spec.Classes, spec.SampleShape, loss, delay);
            }

            case SyntheticDataSpec.Linear:
            {
                if (spec.Outputs <= 0) throw new JobSpecException($"{path}.outputs", $"must be positive, got {spec.Outputs}");
                var (inputs, targets) = SyntheticDatasets.Linear(spec.Samples, features, spec.Outputs, spec.Noise, spec.Seed);
                return WithValues(Tensor.From(inputs, [spec.Samples, .. spec.SampleShape]), targets, spec.SampleShape, [spec.Outputs], loss, delay);
            }

            default:
                throw new JobSpecException($"{path}.generator", $"unknown generator '{spec.Generator}'; known generators: {string.Join(", ", SyntheticDataSpec.Generators)}");
        }
    }

    private static TrainingData FromUpload(InMemoryDataSpec? spec, string loss)
    {
        const string path = "dataset.inMemoryData";
        if (spec is null) throw new JobSpecException(path, "is missing (dataset.kind is in-memory)");
        int features = SampleNumel(spec.SampleShape, $"{path}.sampleShape");
        long uploaded = (spec.Inputs?.Count ?? 0) + (spec.Targets?.Count ?? 0) + (spec.Labels?.Length ?? 0);
        if (uploaded > FloatBlock.MaxFloats)
            throw new JobSpecException($"{path}.inputs", $"{uploaded} uploaded values exceed the {FloatBlock.MaxFloats} one message may carry");
        var inputs = (spec.Inputs ?? FloatBlock.Empty).ToArray();
        if (inputs.Length == 0 || inputs.Length % features != 0)
            throw new JobSpecException($"{path}.inputs", $"{inputs.Length} values are not a positive whole number of samples of shape [{string.Join(", ", spec.SampleShape)}]");
        int n = inputs.Length / features;
        var images = Tensor.From(inputs, [n, .. spec.SampleShape]);

        if ((spec.Labels is null) == (spec.Targets is null))
            throw new JobSpecException($"{path}.labels", "give either labels (class indices) or targets (float values), not both or neither");
        if (spec.Labels is { } labels)
        {
            if (labels.Length != n) throw new JobSpecException($"{path}.labels", $"{labels.Length} labels for {n} samples");
            if (spec.Classes < 0) throw new JobSpecException($"{path}.classes", $"must not be negative, got {spec.Classes}");
            long max = labels.Max();
            int classes = spec.Classes > 0 ? spec.Classes : (int)Math.Min(max + 1, int.MaxValue);
            int bad = Array.FindIndex(labels, l => l < 0 || l >= classes);
            if (bad >= 0) throw new JobSpecException($"{path}.labels", $"label {bad} is {labels[bad]}, outside [0, {classes})");
            return WithTargets(images, labels, classes, spec.SampleShape, loss, TimeSpan.Zero);
        }

        int targetNumel = SampleNumel(spec.TargetShape, $"{path}.targetShape");
        var targets = spec.Targets!.ToArray();
        if (targets.Length != (long)n * targetNumel)
            throw new JobSpecException($"{path}.targets", $"{targets.Length} values for {n} samples of shape [{string.Join(", ", spec.TargetShape)}]");
        return WithValues(images, targets, spec.SampleShape, spec.TargetShape, loss, TimeSpan.Zero);
    }

    /// <summary>Class labels: kept as indices for cross-entropy, one-hot floats for the other losses.</summary>
    private static TrainingData WithTargets(Tensor inputs, long[] labels, int classes, int[] sampleShape, string loss, TimeSpan delay)
    {
        if (loss == LossNames.CrossEntropy)
            return new TrainingData(new TensorDataset(inputs, Tensor.From(labels, [labels.Length])), sampleShape, TargetKind.Labels, [], classes, delay);
        var oneHot = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) oneHot[(i * classes) + labels[i]] = 1;
        var targets = Tensor.From(oneHot, [labels.Length, classes]);
        return new TrainingData(new TensorDataset(inputs, targets), sampleShape, TargetKind.OneHot, [classes], classes, delay);
    }

    private static TrainingData WithValues(Tensor inputs, float[] values, int[] sampleShape, int[] targetShape, string loss, TimeSpan delay)
    {
        if (loss == LossNames.CrossEntropy)
            throw new JobSpecException("loss", $"cross-entropy needs class labels, but the dataset gives float targets of shape [{string.Join(", ", targetShape)}] per sample");
        int n = inputs.Shape[0];
        var targets = Tensor.From(values, [n, .. targetShape]);
        return new TrainingData(new TensorDataset(inputs, targets), sampleShape, TargetKind.Values, targetShape, 0, delay);
    }

    private static int SampleNumel(int[]? shape, string field)
    {
        if (shape is not { Length: > 0 } || shape.Any(d => d <= 0))
            throw new JobSpecException(field, $"must be a non-empty list of positive sizes, got [{string.Join(", ", shape ?? [])}]");
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > MaxValues) throw new JobSpecException(field, $"one sample of [{string.Join(", ", shape)}] exceeds {MaxValues} values");
        }

        return (int)n;
    }
}
