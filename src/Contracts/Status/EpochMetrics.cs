namespace Autograd.Cluster.Contracts.Status;

/// <summary>
/// One finished epoch: mean training loss over its samples, training accuracy (classification losses), throughput and,
/// when the dataset has a test split, the loss and accuracy on it after the epoch.
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
    [property: Id(7)] double? TestAccuracy = null);
