namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// Where a parameter shard runs and how far it got. <see cref="DataPlane"/> is the gradient data-plane endpoint
/// (<c>address:port</c>) of the shard's silo, where workers on other silos send it their gradient chunks; null when
/// that silo has no data plane (they then make grain calls). <see cref="LocalDataPlane"/> names the same data plane's
/// local socket (an abstract Unix socket, <c>@name</c>), which workers on the same host reach instead; null without one.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.ShardInfo")]
public sealed record ShardInfo(
    [property: Id(0)] ShardRange Range,
    [property: Id(1)] string Silo,
    [property: Id(2)] long StepsApplied,
    [property: Id(3)] string? DataPlane = null,
    [property: Id(4)] string? LocalDataPlane = null);
