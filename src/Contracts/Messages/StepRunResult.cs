namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// What a worker reports for a <see cref="StepRun"/>: one result per step it ran, in step order. Fewer than the run's
/// count when it stopped early: at a non-finite step (<see cref="StepRun.StopOnNonFinite"/>) or when the coordinator
/// asked it to stop after an earlier step. <see cref="Early"/> (and no steps) when the run reached the worker before the
/// run it follows: the coordinator queues a run behind the one in progress, and asks again.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.StepRunResult")]
public sealed record StepRunResult(
    [property: Id(0)] int Rank,
    [property: Id(1)] WorkerStepResult[] Steps,
    [property: Id(2)] bool Early = false);
