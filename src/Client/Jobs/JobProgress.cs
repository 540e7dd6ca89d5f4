using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Client.Jobs;

/// <summary>
/// One change in a job's progress, as <see cref="JobHandle.WatchAsync"/> yields it: the step and epoch reached, the last
/// step's loss, accuracy and throughput, each worker's last step time, the events new since the previous progress,
/// and the full <see cref="Status"/> it was read from.
/// </summary>
public sealed record JobProgress
{
    public required string JobId { get; init; }

    public required JobState State { get; init; }

    /// <summary>Steps completed.</summary>
    public required long Step { get; init; }

    public required long TotalSteps { get; init; }

    /// <summary>The epoch in progress, counted from 0.</summary>
    public required int Epoch { get; init; }

    public required int Epochs { get; init; }

    /// <summary>The last step's mean loss.</summary>
    public double? Loss { get; init; }

    /// <summary>The last step's training accuracy (classification losses).</summary>
    public double? Accuracy { get; init; }

    /// <summary>The last step's throughput at the coordinator.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Each worker's timings in the last step.</summary>
    public IReadOnlyList<WorkerStepTime> Workers { get; init; } = [];

    /// <summary>The job's events that the previous progress of this watch had not shown.</summary>
    public IReadOnlyList<JobEvent> NewEvents { get; init; } = [];

    /// <summary>The status snapshot this progress comes from.</summary>
    public required JobStatus Status { get; init; }

    /// <summary>True once the job has completed, failed or been cancelled (the last progress of a watch).</summary>
    public bool IsFinished => Status.IsFinished;

    /// <summary>The share of steps done, in [0, 1].</summary>
    public double Fraction => TotalSteps > 0 ? Math.Clamp((double)Step / TotalSteps, 0, 1) : 0;
}
