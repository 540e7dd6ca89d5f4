using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The <see cref="StepRun"/> a worker is in: the last step it may still run, which the coordinator can bring forward
/// (<see cref="StopAfter"/>), and the token that abandons a step past that one while it waits for the shards.
/// </summary>
internal sealed class WorkerRun(StepRun run, CancellationToken workerCancellation) : IDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(workerCancellation);

    public StepRun Run { get; } = run;

    /// <summary>The last step this run may run.</summary>
    public long LastStep { get; private set; } = run.LastStep;

    /// <summary>Cancelled when the worker is aborted, or when the step in progress is past <see cref="LastStep"/>.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether <paramref name="step"/> is past the run's last step.</summary>
    public bool Stopped(long step) => step > LastStep;

    /// <summary>Runs no step after <paramref name="lastStep"/>; cancels <paramref name="stepInProgress"/> when it is past it.</summary>
    public void StopAfter(long lastStep, long stepInProgress)
    {
        LastStep = Math.Min(LastStep, lastStep);
        if (Stopped(stepInProgress)) _stop.Cancel();
    }

    public void Dispose() => _stop.Dispose();
}
