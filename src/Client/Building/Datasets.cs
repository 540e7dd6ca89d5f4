using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Building;

/// <summary>The training data of a job, for <see cref="JobBuilder"/>.</summary>
public static class Datasets
{
    /// <summary>Fashion-MNIST's training split on the silos (its first <paramref name="limit"/> samples; 0 = all 60000).</summary>
    public static DatasetSpec FashionMnist(int limit = 0, string? directory = null) => DatasetSpec.FashionMnistTrain(limit, directory);

    /// <summary>Gaussian blobs: <paramref name="classes"/> clusters of <paramref name="samples"/> samples of <paramref name="features"/> features.</summary>
    public static DatasetSpec Blobs(int samples, int features, int classes, double noise = 0.5, long seed = 0) => DatasetSpec.Generated(new SyntheticDataSpec
    {
        Generator = SyntheticDataSpec.Blobs,
        Samples = samples,
        SampleShape = [features],
        Classes = classes,
        Noise = noise,
        Seed = seed,
    });

    /// <summary>A random linear teacher y = W x + b plus noise: <paramref name="features"/> inputs, <paramref name="outputs"/> outputs.</summary>
    public static DatasetSpec LinearRegression(int samples, int features, int outputs = 1, double noise = 0.1, long seed = 0) => DatasetSpec.Generated(new SyntheticDataSpec
    {
        Generator = SyntheticDataSpec.Linear,
        Samples = samples,
        SampleShape = [features],
        Outputs = outputs,
        Noise = noise,
        Seed = seed,
    });

    /// <summary>Samples sent with the job: <paramref name="inputs"/> of [n, ...<paramref name="sampleShape"/>] and one class label each.</summary>
    public static DatasetSpec FromTensors(float[] inputs, int[] sampleShape, long[] labels, int classes = 0) => DatasetSpec.Uploaded(new InMemoryDataSpec
    {
        SampleShape = sampleShape,
        Inputs = FloatBlock.From(inputs),
        Labels = labels,
        Classes = classes,
    });

    /// <summary>Samples sent with the job: <paramref name="inputs"/> of [n, ...<paramref name="sampleShape"/>] and float targets of [n, ...<paramref name="targetShape"/>].</summary>
    public static DatasetSpec FromTensors(float[] inputs, int[] sampleShape, float[] targets, int[] targetShape) => DatasetSpec.Uploaded(new InMemoryDataSpec
    {
        SampleShape = sampleShape,
        Inputs = FloatBlock.From(inputs),
        Targets = FloatBlock.From(targets),
        TargetShape = targetShape,
    });
}
