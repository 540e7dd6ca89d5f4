namespace Autograd.Cluster.Contracts.Status;

/// <summary>A snapshot of a job: state, progress, the last step's metrics, per-epoch metrics, workers and history.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.JobStatus")]
public sealed record JobStatus
{
    [Id(0)]
    public string JobId { get; init; } = string.Empty;

    [Id(1)]
    public JobState State { get; init; }

    /// <summary>Steps completed.</summary>
    [Id(2)]
    public long Step { get; init; }

    [Id(3)]
    public long TotalSteps { get; init; }

    /// <summary>The epoch in progress (or the last one, once ended).</summary>
    [Id(4)]
    public int Epoch { get; init; }

    [Id(5)]
    public int Epochs { get; init; }

    /// <summary>The mean loss of the last step's global batch.</summary>
    [Id(6)]
    public double? Loss { get; init; }

    /// <summary>The last step's training accuracy (classification losses only).</summary>
    [Id(7)]
    public double? Accuracy { get; init; }

    /// <summary>Samples per second of the last step: its global batch over its slowest worker's time (the epochs' figures include everything else).</summary>
    [Id(8)]
    public double SamplesPerSecond { get; init; }

    [Id(9)]
    public long Parameters { get; init; }

    [Id(10)]
    public int Shards { get; init; }

    [Id(11)]
    public WorkerProgress[] Workers { get; init; } = [];

    [Id(12)]
    public EpochMetrics[] EpochHistory { get; init; } = [];

    [Id(13)]
    public JobEvent[] Events { get; init; } = [];

    [Id(14)]
    public string? FailureReason { get; init; }

    /// <summary>The loss of the first step, to compare the last against.</summary>
    [Id(15)]
    public double? FirstLoss { get; init; }

    /// <summary>The silo the coordinator runs on.</summary>
    [Id(16)]
    public string CoordinatorSilo { get; init; } = string.Empty;

    /// <summary>The workers the job runs on now (the spec's, or fewer after a silo was lost, or a resume's choice).</summary>
    [Id(17)]
    public int WorldSize { get; init; }

    /// <summary>How many times the job recovered from a lost silo (or resumed) from its last checkpoint.</summary>
    [Id(18)]
    public int Recoveries { get; init; }

    /// <summary>The step of the last complete checkpoint (every shard and the job state written); null before the first.</summary>
    [Id(19)]
    public long? LastCheckpointStep { get; init; }

    /// <summary>Steps whose update was dropped for a non-finite loss or gradient (<c>onNonFiniteLoss: skip-step</c>).</summary>
    [Id(20)]
    public long SkippedSteps { get; init; }

    /// <summary>Steps run again after recoveries (work lost between the last checkpoint and a failure).</summary>
    [Id(21)]
    public long RedoneSteps { get; init; }

    /// <summary>The mean loss on the test split at the last evaluation (end of an epoch); null without a test split.</summary>
    [Id(22)]
    public double? TestLoss { get; init; }

    /// <summary>The accuracy on the test split at the last evaluation (classification losses only).</summary>
    [Id(23)]
    public double? TestAccuracy { get; init; }

    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Cancelled;
}
