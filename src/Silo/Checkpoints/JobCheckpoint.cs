using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// The coordinator's part of a complete checkpoint: where training stands after <see cref="Step"/> steps (the epoch and
/// batch follow from the step: every epoch has the same number of steps, and the sampler's order is a function of the
/// job's seed and the epoch), the metrics so far, rank 0's model buffers, and the shard records that hold the
/// parameters and optimizer state.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.Checkpoints.JobCheckpoint")]
public sealed record JobCheckpoint
{
    [Id(0)]
    public long Step { get; init; }

    [Id(1)]
    public CheckpointReference Shards { get; init; } = new(string.Empty, 0, 0, 0);

    /// <summary>Rank 0's persistent buffers (BatchNorm statistics) in layout order.</summary>
    [Id(2)]
    public FloatBlock Buffers { get; init; } = FloatBlock.Empty;

    [Id(3)]
    public EpochMetrics[] EpochHistory { get; init; } = [];

    /// <summary>The unfinished epoch's sums so far: loss x samples, samples, correct, and its seconds.</summary>
    [Id(4)]
    public double EpochLossSum { get; init; }

    [Id(5)]
    public long EpochSamples { get; init; }

    [Id(6)]
    public long EpochCorrect { get; init; }

    [Id(7)]
    public double EpochSeconds { get; init; }

    /// <summary>The part of <see cref="EpochSeconds"/> spent running training steps.</summary>
    [Id(11)]
    public double EpochTrainingSeconds { get; init; }

    [Id(8)]
    public double? FirstLoss { get; init; }

    [Id(9)]
    public long SkippedSteps { get; init; }

    [Id(10)]
    public DateTimeOffset Written { get; init; }
}
