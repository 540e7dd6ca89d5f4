using Autograd.Data;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// A job's training samples on one silo: inputs [n, ...<see cref="SampleShape"/>] and targets as
/// <see cref="Targets"/> says. <see cref="Classes"/> is non-zero when the samples have class labels (so accuracy is
/// defined); <see cref="ReadDelay"/> is the simulated storage latency of each batch read.
/// </summary>
public sealed record TrainingData(
    TensorDataset Dataset,
    int[] SampleShape,
    TargetKind Targets,
    int[] TargetShape,
    int Classes,
    TimeSpan ReadDelay)
{
    public int Count => Dataset.Count;
}
