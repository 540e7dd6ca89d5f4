namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// Run <see cref="Count"/> consecutive global steps from <see cref="FirstStep"/>: batches <see cref="FirstBatch"/> to
/// <see cref="FirstBatch"/> + <see cref="Count"/> - 1 of epoch <see cref="Epoch"/> (a run never crosses an epoch's end).
/// The shards synchronise the workers every step, so a run needs no coordinator between its steps.
/// </summary>
/// <param name="FirstStep">The global step the run starts at: the worker's next step.</param>
/// <param name="Epoch">The epoch every step of the run belongs to.</param>
/// <param name="FirstBatch">The batch index of <see cref="FirstStep"/> within the epoch.</param>
/// <param name="Count">How many steps to run, at least one.</param>
/// <param name="StopOnNonFinite">
/// End the run after the first step whose loss or gradient is not finite on this worker (the job's policy is to stop):
/// later steps must not run. The coordinator stops the other workers after that step (<c>StopRunAsync</c>).
/// </param>
/// <param name="TraceParents">
/// The W3C trace context of each step's span on the coordinator (null when nobody traces): the worker's spans of step
/// <see cref="FirstStep"/> + i are children of entry i.
/// </param>
/// <param name="Generation">
/// The formation the run belongs to (<c>WorkerSetup.ShardGeneration</c>): a worker set up again by a recovery refuses a
/// run of an earlier formation still on its way to it.
/// </param>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.StepRun")]
public sealed record StepRun(
    [property: Id(0)] long FirstStep,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int FirstBatch,
    [property: Id(3)] int Count,
    [property: Id(4)] bool StopOnNonFinite = false,
    [property: Id(5)] string[]? TraceParents = null,
    [property: Id(6)] int Generation = 0)
{
    /// <summary>The last step of the run.</summary>
    public long LastStep => FirstStep + Count - 1;
}
