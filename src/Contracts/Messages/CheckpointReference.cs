namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// A complete checkpoint's shard records in grain storage: job <see cref="JobId"/>'s shards of generation
/// <see cref="Generation"/> (0 .. <see cref="Shards"/> - 1) wrote them after <see cref="Step"/> steps. The records are
/// keyed by parameter name, so shards of any layout can read the slices they need from them.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.CheckpointReference")]
public sealed record CheckpointReference(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Generation,
    [property: Id(2)] long Step,
    [property: Id(3)] int Shards);
