namespace Autograd.Cluster.Contracts.Messages;

/// <summary>Shard <see cref="Index"/> holds elements [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Count"/>) of the flat parameters.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.ShardRange")]
public sealed record ShardRange(
    [property: Id(0)] int Index,
    [property: Id(1)] long Offset,
    [property: Id(2)] int Count);
