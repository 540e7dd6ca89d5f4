using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// Part of one parameter in a shard's checkpoint record: elements [<see cref="Start"/>, Start + Values.Count) of
/// parameter <see cref="Name"/> (flattened row-major), their values and the optimizer's state for them, one block per
/// name of <see cref="ShardCheckpoint.StateNames"/>. Names, not flat offsets, so that any shard layout can read it.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.Checkpoints.CheckpointEntry")]
public sealed record CheckpointEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] long Start,
    [property: Id(2)] FloatBlock Values,
    [property: Id(3)] FloatBlock[] State);
