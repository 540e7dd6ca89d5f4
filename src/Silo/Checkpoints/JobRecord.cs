using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// What the coordinator persists about its job (written at accept, at every complete checkpoint and at the end): enough
/// for a coordinator re-activated on another silo to report the job, to go on with a job that was running, and to serve
/// the final parameters.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.Checkpoints.JobRecord")]
public sealed record JobRecord
{
    public const int MaxEvents = 200;

    [Id(0)]
    public JobSpec Spec { get; init; } = new();

    [Id(1)]
    public JobState State { get; init; }

    [Id(2)]
    public string? FailureReason { get; init; }

    /// <summary>The last complete checkpoint; null before the first (training then restarts from the seeded initial parameters).</summary>
    [Id(3)]
    public JobCheckpoint? Checkpoint { get; init; }

    /// <summary>The last generation of shard grains used: a re-activated coordinator starts the next.</summary>
    [Id(4)]
    public int Generation { get; init; }

    [Id(5)]
    public int Recoveries { get; init; }

    [Id(6)]
    public long RedoneSteps { get; init; }

    /// <summary>The history (the latest <see cref="MaxEvents"/> events).</summary>
    [Id(7)]
    public JobEvent[] Events { get; init; } = [];

    /// <summary>How many chunks of <see cref="CheckpointStore.FinalChunk"/> floats hold the final state dict (0: none stored).</summary>
    [Id(8)]
    public int FinalChunks { get; init; }

    [Id(9)]
    public long FinalLength { get; init; }

    [Id(10)]
    public long Step { get; init; }

    [Id(11)]
    public EpochMetrics[] EpochHistory { get; init; } = [];

    [Id(12)]
    public int WorldSize { get; init; }

    /// <summary>The worker grains' slots in use (so a successor can release them).</summary>
    [Id(13)]
    public int[] WorkerSlots { get; init; } = [];

    /// <summary>The silos the job's workers and shards ran on (so a successor can tell which of them died).</summary>
    [Id(14)]
    public string[] MemberSilos { get; init; } = [];
}
