using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Testing;
using Autograd.Data;

namespace Autograd.Bench;

/// <summary>
/// The soak's three jobs, read from <c>examples/</c> (the reference MLP and CNN on Fashion-MNIST, the 5-3-1 regression)
/// and resized: one worker per silo, a subset of the data per epoch so that an epoch takes seconds and the job's
/// length is set by its epoch count, a small test split, a step timeout that a loaded machine cannot reach.
/// Without Fashion-MNIST the MLP and CNN train on seeded Gaussian blobs of the same shapes.
/// </summary>
internal static class SoakJobs
{
    /// <summary>The three jobs' names, in the order they are submitted.</summary>
    public static readonly string[] Names = ["mlp", "cnn", "regression"];

    /// <summary>Whether the MLP and CNN read Fashion-MNIST (else synthetic blobs).</summary>
    public static bool FashionMnist => FashionMnistFiles.IsAvailable();

    /// <summary>Job <paramref name="name"/> on <paramref name="workers"/> workers for <paramref name="epochs"/> epochs.</summary>
    public static JobSpec Spec(string name, int workers, int epochs)
    {
        var spec = name switch
        {
            "mlp" => Example("fashion-mnist-mlp.json") with { Dataset = Images(12_800, 2_000) },
            "cnn" => Example("fashion-mnist-cnn.json") with { Dataset = Images(2_560, 500) },
            "regression" => Example("regression-5-3-1.json"),
            _ => throw new ArgumentException($"soak: no job '{name}'", nameof(name)),
        };
        return spec with { Workers = workers, Epochs = epochs, StepTimeout = TimeSpan.FromMinutes(2) };
    }

    private static JobSpec Example(string file) => JobJson.Load(Path.Combine(RepositoryPaths.Root, "examples", file));

    private static DatasetSpec Images(int samples, int testSamples)
    {
        if (FashionMnist)
            return DatasetSpec.FashionMnistTrain(samples) with { TestLimit = testSamples };
        // Both models read [1, 28, 28] images: the MLP's first layer flattens them.
        return DatasetSpec.Generated(new SyntheticDataSpec
        {
            Generator = SyntheticDataSpec.Blobs,
            Samples = samples,
            SampleShape = [1, 28, 28],
            Classes = 10,
            Noise = 1.0,
            Seed = 1,
            TestSamples = testSamples,
        });
    }
}
