namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// One worker's share of an evaluation on the test split: its sample count (0 when the dataset has no test split),
/// the summed loss (mean loss x samples) and the correctly classified samples (classification losses).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.EvaluationResult")]
public sealed record EvaluationResult(
    [property: Id(0)] int Rank,
    [property: Id(1)] int Samples,
    [property: Id(2)] double LossSum,
    [property: Id(3)] int Correct);
