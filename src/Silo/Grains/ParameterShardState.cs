using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Training;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// A shard's live state: its flat parameter slice (one leaf per chunk, which the optimizer updates chunk by chunk), the
/// optimizer and schedule, and the contributions gathered so far for the step in progress.
/// </summary>
internal sealed class ParameterShardState(ShardSetup setup, ChunkedSlice values, Optimizer optimizer, LrScheduler? scheduler)
{
    public ShardSetup Setup { get; } = setup;

    public ChunkedSlice Values { get; } = values;

    public Optimizer Optimizer { get; } = optimizer;

    public LrScheduler? Scheduler { get; } = scheduler;

    /// <summary>The schedule steps after every optimizer step (<c>lrSchedule.interval = step</c>) rather than every epoch.</summary>
    public bool SchedulePerStep { get; } = setup.LrSchedule?.Interval == LrScheduleSpec.PerStep;

    /// <summary>The epoch the schedule has been stepped to.</summary>
    public int ScheduledEpoch { get; set; }

    /// <summary>The step being gathered (= steps applied so far, counting from the start of the job).</summary>
    public long Step { get; set; } = setup.StartStep;

    /// <summary>Steps whose update was dropped because a contribution was not finite.</summary>
    public long Skipped { get; set; }

    /// <summary>Chunks each worker sends per step (<see cref="GradientChunks"/>).</summary>
    public int Chunks { get; } = GradientChunks.CountFor(setup.Range.Count);

    /// <summary>This step's contributions by chunk, then rank (null: not arrived yet).</summary>
    public GradientContribution?[][] Pending { get; } = NewPending(setup);

    /// <summary>The samples each rank declared for this step (every chunk of a rank's must declare the same).</summary>
    public long?[] RankSamples { get; } = new long?[setup.WorldSize];

    /// <summary>Contributions gathered this step, every chunk counted.</summary>
    public int Arrived => ChunkArrived.Sum();

    /// <summary>Ranks arrived per chunk this step.</summary>
    public int[] ChunkArrived { get; } = new int[GradientChunks.CountFor(setup.Range.Count)];

    /// <summary>Chunks averaged and updated this step (every rank's contribution arrived).</summary>
    public int ChunksApplied { get; set; }

    /// <summary>Whether a chunk of this step dropped its update for a non-finite contribution.</summary>
    public bool StepSkipped { get; set; }

    /// <summary>The step's total samples, from the first chunk averaged.</summary>
    public long Samples { get; set; }

    /// <summary>Time spent averaging this step's chunks.</summary>
    public TimeSpan AveragingTime { get; set; }

    /// <summary>
    /// Per chunk: completes with the chunk's updated values once the chunk is applied; every contributor of that chunk
    /// awaits it. Replaced by a fresh one as it completes.
    /// </summary>
    public TaskCompletionSource<float[]>[] Completions { get; } = Enumerable.Range(0, GradientChunks.CountFor(setup.Range.Count)).Select(_ => NewCompletion()).ToArray();

    public string? AbortReason { get; set; }

    public static TaskCompletionSource<float[]> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static GradientContribution?[][] NewPending(ShardSetup setup) =>
        Enumerable.Range(0, GradientChunks.CountFor(setup.Range.Count)).Select(_ => new GradientContribution?[setup.WorldSize]).ToArray();
}
