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

    /// <summary>This step's contributions by rank (null: not arrived yet).</summary>
    public GradientContribution?[] Pending { get; } = new GradientContribution?[setup.WorldSize];

    public int Arrived { get; set; }

    /// <summary>Completes with the updated slice when the step is applied; every contributor awaits it.</summary>
    public TaskCompletionSource<FloatBlock> Completion { get; set; } = NewCompletion();

    public string? AbortReason { get; set; }

    /// <summary>Averages each step's contributions into a buffer kept for the shard's life.</summary>
    public GradientAverager Averager { get; } = new(setup.Range.Count);

    public static TaskCompletionSource<FloatBlock> NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
