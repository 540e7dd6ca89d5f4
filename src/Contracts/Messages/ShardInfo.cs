namespace Autograd.Cluster.Contracts.Messages;

/// <summary>Where a parameter shard runs and how far it got.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.ShardInfo")]
public sealed record ShardInfo(
    [property: Id(0)] ShardRange Range,
    [property: Id(1)] string Silo,
    [property: Id(2)] long StepsApplied);
