namespace Autograd.Cluster.Contracts.Status;

/// <summary>One finished epoch: mean training loss over its samples, training accuracy (classification losses) and throughput.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.EpochMetrics")]
public sealed record EpochMetrics(
    [property: Id(0)] int Epoch,
    [property: Id(1)] double MeanLoss,
    [property: Id(2)] double? Accuracy,
    [property: Id(3)] long Samples,
    [property: Id(4)] double Seconds,
    [property: Id(5)] double SamplesPerSecond);
