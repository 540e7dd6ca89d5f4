using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>What a worker needs to join a job: its rank among <see cref="WorldSize"/>, the spec and where the shards are.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.WorkerSetup")]
public sealed record WorkerSetup
{
    [Id(0)]
    public string JobId { get; init; } = string.Empty;

    [Id(1)]
    public int Rank { get; init; }

    [Id(2)]
    public int WorldSize { get; init; }

    [Id(3)]
    public JobSpec Spec { get; init; } = new();

    /// <summary>The shards' slices of the flat parameter vector, in shard order, covering it exactly.</summary>
    [Id(4)]
    public ShardRange[] Shards { get; init; } = [];
}
