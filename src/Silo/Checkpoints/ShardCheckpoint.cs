namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// One shard's record of a checkpoint: its slice as <see cref="CheckpointEntry"/> parts of named parameters, and the
/// optimizer's step count and state tensor names (<c>momentum_buffer</c>; <c>exp_avg</c>, <c>exp_avg_sq</c>, ...).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.Checkpoints.ShardCheckpoint")]
public sealed record ShardCheckpoint
{
    [Id(0)]
    public long Step { get; init; }

    /// <summary>The optimizer's own step count (Adam's bias correction); 0 for SGD, which keeps none.</summary>
    [Id(1)]
    public long OptimizerStep { get; init; }

    [Id(2)]
    public string[] StateNames { get; init; } = [];

    [Id(3)]
    public CheckpointEntry[] Entries { get; init; } = [];
}
