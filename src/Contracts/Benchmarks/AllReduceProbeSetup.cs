using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Contracts.Benchmarks;

/// <summary>
/// What an <see cref="IAllReduceProbeGrain"/> needs: its rank in a world of <see cref="WorldSize"/>, the vector length
/// and the shards' slices of it (shard keys <c>{RunId}/{index}</c>, set up by the benchmark with SGD, lr = 1, from zeros).
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.AllReduceProbeSetup")]
public sealed record AllReduceProbeSetup
{
    [Id(0)]
    public string RunId { get; init; } = string.Empty;

    [Id(1)]
    public int Rank { get; init; }

    [Id(2)]
    public int WorldSize { get; init; }

    /// <summary>The number of floats every contributor averages.</summary>
    [Id(3)]
    public int Floats { get; init; }

    [Id(4)]
    public ShardRange[] Shards { get; init; } = [];

    /// <summary>
    /// The key of a one-float shard (world <see cref="WorldSize"/>) every contributor reduces through before it starts
    /// its clock, as the reference calls <c>dist.barrier()</c> before timing; null for no barrier.
    /// </summary>
    [Id(5)]
    public string? BarrierShard { get; init; }
}
