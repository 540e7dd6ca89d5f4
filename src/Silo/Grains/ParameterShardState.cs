using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Training;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// A shard's live state: its flat parameter slice (a leaf the optimizer updates), the optimizer and schedule, and the
/// contributions gathered so far for the step in progress.
/// </summary>
internal sealed class ParameterShardState(ShardSetup setup, Tensor values, Optimizer optimizer, LrScheduler? scheduler)
{
    public ShardSetup Setup { get; } = setup;

    public Tensor Values { get; } = values;

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

    /// <summary>Contributions gathered this step, every chunk counted.</summary>
    public int Arrived { get; set; }

    /// <summary>Ranks arrived per chunk this step.</summary>
    public int[] ChunkArrived { get; } = new int[GradientChunks.CountFor(setup.Range.Count)];

    /// <summary>Chunks averaged this step (every rank's contribution arrived).</summary>
    public int ChunksAveraged { get; set; }

    /// <summary>The step's total samples, from the first chunk averaged.</summary>
    public long Samples { get; set; }

    /// <summary>Time spent averaging this step's chunks.</summary>
    public TimeSpan AveragingTime { get; set; }

    /// <summary>Completes with the updated slice when the step is applied; every contributor awaits it and answers its chunk.</summary>
    public TaskCompletionSource<float[]> Completion { get; set; } = NewCompletion();

    /// <summary>The two arrays the updated slice is answered in, alternately by step (allocated on first use).</summary>
    public float[]?[] Answers { get; } = new float[]?[2];

    public string? AbortReason { get; set; }

    /// <summary>Averages each step's contributions into a buffer kept for the shard's life.</summary>
    public GradientAverager Averager { get; } = new(setup.Range.Count);

    public static TaskCompletionSource<float[]> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static GradientContribution?[][] NewPending(ShardSetup setup) =>
        Enumerable.Range(0, GradientChunks.CountFor(setup.Range.Count)).Select(_ => new GradientContribution?[setup.WorldSize]).ToArray();
}
