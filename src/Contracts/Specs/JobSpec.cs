namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// Everything a training job needs: the model, the data, the loss, the optimizer and how to split the work.
/// Checked as a whole at submit; a field that is wrong is named in the <see cref="JobSpecException"/>.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.JobSpec")]
public sealed record JobSpec
{
    /// <summary>The network, built layer by layer on every worker.</summary>
    [Id(0)]
    public ModelSpec Model { get; init; } = new();

    /// <summary>The training data.</summary>
    [Id(1)]
    public DatasetSpec Dataset { get; init; } = new();

    /// <summary>The optimizer that the parameter shards apply.</summary>
    [Id(2)]
    public OptimizerSpec Optimizer { get; init; } = new();

    /// <summary>An optional learning-rate schedule, stepped once per epoch (as PyTorch's usual loop does) or per step (<see cref="LrScheduleSpec.Interval"/>).</summary>
    [Id(3)]
    public LrScheduleSpec? LrSchedule { get; init; }

    /// <summary>The loss, averaged over the batch: <c>mse</c>, <c>cross-entropy</c> or <c>bce-with-logits</c>.</summary>
    [Id(4)]
    public string Loss { get; init; } = LossNames.CrossEntropy;

    /// <summary>The global batch size B: the samples of one step, split over the workers.</summary>
    [Id(5)]
    public int BatchSize { get; init; } = 64;

    /// <summary>Passes over the data.</summary>
    [Id(6)]
    public int Epochs { get; init; } = 1;

    /// <summary>Drops an epoch's last, smaller batch (PyTorch's <c>drop_last</c>).</summary>
    [Id(7)]
    public bool DropLast { get; init; }

    /// <summary>The number of worker grains N (data-parallel replicas), each in a slot of its own: more than the cluster's slots (active silos x <c>Autograd:SlotsPerSilo</c>) is refused at submit.</summary>
    [Id(8)]
    public int Workers { get; init; } = 1;

    /// <summary>The number of parameter shards S; 0 picks one per worker (more when a slice would not fit in one message).</summary>
    [Id(9)]
    public int Shards { get; init; }

    /// <summary>Seeds the parameters' initialisation (as <c>torch.manual_seed</c> before building the model) and each epoch's shuffle.</summary>
    [Id(10)]
    public long Seed { get; init; }

    /// <summary>Shuffles each epoch with the seeded permutation of <c>DistributedSampler</c> (seed + epoch).</summary>
    [Id(11)]
    public bool Shuffle { get; init; } = true;

    /// <summary>How long one step may take before the job fails (workers that do not answer in time are named).</summary>
    [Id(12)]
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Steps between checkpoints (default 50). A checkpoint is also taken at the end of every epoch, whatever the
    /// interval; 0 checkpoints at epoch ends only. Negative values are refused.
    /// </summary>
    [Id(13)]
    public int CheckpointInterval { get; init; } = 50;

    /// <summary>
    /// What a non-finite (NaN or infinite) loss or gradient does: <see cref="StopOnNonFinite"/> (the default) fails the
    /// job naming the step and the loss; <see cref="SkipNonFiniteStep"/> drops that step's update on every shard,
    /// counts it in <c>JobStatus.SkippedSteps</c> and goes on.
    /// </summary>
    [Id(14)]
    public string OnNonFiniteLoss { get; init; } = StopOnNonFinite;

    /// <summary>Value of <see cref="OnNonFiniteLoss"/>: fail the job.</summary>
    public const string StopOnNonFinite = "stop";

    /// <summary>Value of <see cref="OnNonFiniteLoss"/>: skip the step's update and go on.</summary>
    public const string SkipNonFiniteStep = "skip-step";
}
