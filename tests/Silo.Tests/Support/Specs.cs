using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Tests.Support;

/// <summary>Small, valid job specs the tests vary with <c>with</c>.</summary>
internal static class Specs
{
    /// <summary>Gaussian blobs: 60 samples of 6 features in 3 classes.</summary>
    public static SyntheticDataSpec Blobs(int samples = 60, int features = 6, int classes = 3, long seed = 11) => new()
    {
        Generator = SyntheticDataSpec.Blobs,
        Samples = samples,
        SampleShape = [features],
        Classes = classes,
        Noise = 0.5,
        Seed = seed,
    };

    /// <summary>A 6-8-3 tanh MLP with cross-entropy on <see cref="Blobs"/>, SGD, one worker.</summary>
    public static JobSpec Mlp(int workers = 1, int batchSize = 12, int epochs = 1) => new()
    {
        Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.Tanh(), LayerSpec.Linear(8, 3)),
        Dataset = DatasetSpec.Generated(Blobs()),
        Optimizer = OptimizerSpec.SgdWith(0.1, momentum: 0.9),
        Loss = LossNames.CrossEntropy,
        BatchSize = batchSize,
        Epochs = epochs,
        Workers = workers,
        Seed = 3,
        StepTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A small CNN on 1x8x8 blobs: conv(1->4, 3) relu maxpool2 flatten linear(36->3).</summary>
    public static JobSpec Cnn(int workers = 2, int batchSize = 10) => Mlp(workers, batchSize) with
    {
        Model = ModelSpec.Sequential(
            LayerSpec.Conv2d(1, 4, 3), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2), LayerSpec.Flatten(), LayerSpec.Linear(36, 3)),
        Dataset = DatasetSpec.Generated(Blobs() with { SampleShape = [1, 8, 8], Samples = 40 }),
    };
}
