namespace Autograd.Cluster.Contracts.Status;

/// <summary>
/// One finished epoch: mean training loss over its samples, training accuracy (classification losses), throughput and,
/// when the dataset has a test split, the loss and accuracy on it after the epoch. <see cref="Seconds"/> is the epoch's
/// wall clock (its evaluation and checkpoint included); <see cref="TrainingSeconds"/> the part spent running training
/// steps, which <see cref="TrainingSamplesPerSecond"/> divides by (null for an epoch recorded before it was kept).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.EpochMetrics")]
public sealed record EpochMetrics(
    [property: Id(0)] int Epoch,
    [property: Id(1)] double MeanLoss,
    [property: Id(2)] double? Accuracy,
    [property: Id(3)] long Samples,
    [property: Id(4)] double Seconds,
    [property: Id(5)] double SamplesPerSecond,
    [property: Id(6)] double? TestLoss = null,
    [property: Id(7)] double? TestAccuracy = null,
    [property: Id(8)] double? TrainingSeconds = null)
{
    /// <summary>Samples per second of training steps alone (without the evaluation and checkpoints); null when unknown.</summary>
    public double? TrainingSamplesPerSecond => TrainingSeconds is double s && s > 0 ? Samples / s : null;
}
