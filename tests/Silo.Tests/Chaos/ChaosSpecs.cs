using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Tests.Support;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// The jobs the chaos tests disturb: paced by a simulated storage latency (<see cref="ReadDelay"/> per batch each
/// worker reads), so that a step never takes less than that however fast the machine is, and a test's kill always
/// lands mid-job; the compute per step is small beside it, so a loaded machine stretches a job by a fraction only.
/// </summary>
internal static class ChaosSpecs
{
    /// <summary>Steps in one epoch of <see cref="Paced"/>.</summary>
    public const int StepsPerEpoch = 100;

    /// <summary>Steps between two checkpoints of <see cref="Paced"/>.</summary>
    public const int CheckpointInterval = 20;

    /// <summary>The least time a step of <see cref="Paced"/> takes.</summary>
    public static readonly TimeSpan ReadDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// 10-class Gaussian blobs of 32 features (3000 training samples, 1000 held out), a 32-64-10 ReLU MLP, Adam 1e-3,
    /// <see cref="ChaosCluster.DefaultSilos"/> workers at global batch 30 (<see cref="StepsPerEpoch"/> steps an epoch,
    /// 10 samples a worker), a checkpoint every <see cref="CheckpointInterval"/> steps.
    /// </summary>
    public static JobSpec Paced(int epochs, long seed = 7) => new()
    {
        Model = ModelSpec.Sequential(LayerSpec.Linear(32, 64), LayerSpec.ReLU(), LayerSpec.Linear(64, 10)),
        Dataset = DatasetSpec.Generated(Specs.Blobs(samples: 3000, features: 32, classes: 10) with
        {
            Noise = 2.0,
            TestSamples = 1000,
            ReadDelayMs = (int)ReadDelay.TotalMilliseconds,
        }),
        Optimizer = OptimizerSpec.AdamWith(1e-3),
        Loss = LossNames.CrossEntropy,
        BatchSize = 3000 / StepsPerEpoch,
        Epochs = epochs,
        Workers = ChaosCluster.DefaultSilos,
        Seed = seed,
        StepTimeout = TimeSpan.FromSeconds(10),
        CheckpointInterval = CheckpointInterval,
    };
}
