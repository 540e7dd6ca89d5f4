namespace Autograd.Cluster.Contracts.Messages;

/// <summary>Where a worker runs: its silo and the engine device its model lives on.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.WorkerInfo")]
public sealed record WorkerInfo(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Silo,
    [property: Id(2)] string Device,
    [property: Id(3)] long Parameters);
