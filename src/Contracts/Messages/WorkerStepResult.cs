namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// What a worker reports for one step: its sample count, the summed loss (mean loss x samples), correctly classified
/// samples (classification losses), where its time went and whether its loss or gradient was NaN or infinite.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.WorkerStepResult")]
public sealed record WorkerStepResult(
    [property: Id(0)] int Rank,
    [property: Id(1)] long Step,
    [property: Id(2)] int Samples,
    [property: Id(3)] double LossSum,
    [property: Id(4)] int Correct,
    [property: Id(5)] double ComputeMilliseconds,
    [property: Id(6)] double ReduceMilliseconds,
    [property: Id(7)] bool NonFinite = false);
