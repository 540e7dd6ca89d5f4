using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// A shard's slice of the initial parameters (or the checkpoint to restore it from), the optimizer to apply to it and
/// how many workers contribute each step.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.ShardSetup")]
public sealed record ShardSetup
{
    [Id(0)]
    public string JobId { get; init; } = string.Empty;

    [Id(1)]
    public ShardRange Range { get; init; } = new(0, 0, 0);

    [Id(2)]
    public int WorldSize { get; init; }

    [Id(3)]
    public OptimizerSpec Optimizer { get; init; } = new();

    [Id(4)]
    public LrScheduleSpec? LrSchedule { get; init; }

    /// <summary>The slice's starting values; empty when <see cref="Restore"/> names a checkpoint to read them from.</summary>
    [Id(5)]
    public FloatBlock InitialValues { get; init; } = FloatBlock.Empty;

    /// <summary>Which set of shard grains this one belongs to: each recovery or resume starts a new one, with new keys.</summary>
    [Id(6)]
    public int Generation { get; init; }

    /// <summary>The parameter entries of the state-dict layout, so checkpoint records can be written and read by name.</summary>
    [Id(7)]
    public ParameterEntry[] Parameters { get; init; } = [];

    /// <summary>A checkpoint to take the slice's values and optimizer state from (any shard layout), or null.</summary>
    [Id(8)]
    public CheckpointReference? Restore { get; init; }

    /// <summary>The first step this shard gathers (the checkpoint's step when restoring, else 0).</summary>
    [Id(9)]
    public long StartStep { get; init; }
}
