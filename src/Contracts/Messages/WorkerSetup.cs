using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// What a worker needs to join a job: its rank among <see cref="WorldSize"/> (a worker grain's key names a slot, not a
/// rank: after a recovery a survivor may take another rank), the spec, where the shards are and where to start.
/// </summary>
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

    /// <summary>The generation of the shard grains (see <see cref="ShardSetup.Generation"/>).</summary>
    [Id(5)]
    public int ShardGeneration { get; init; }

    /// <summary>The first step the worker runs (the checkpoint's step after a recovery or resume, else 0).</summary>
    [Id(6)]
    public long StartStep { get; init; }

    /// <summary>The model's persistent buffers (BatchNorm statistics) to load, in layout order; null keeps the fresh model's.</summary>
    [Id(7)]
    public FloatBlock? Buffers { get; init; }
}
