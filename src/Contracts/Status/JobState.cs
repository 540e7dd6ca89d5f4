namespace Autograd.Cluster.Contracts.Status;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>No spec accepted yet (a refused spec leaves the job here).</summary>
    New,

    /// <summary>Accepted; shards and workers are being set up.</summary>
    Starting,

    Running,

    Completed,

    /// <summary>Stopped by an error: <see cref="JobStatus.FailureReason"/> says which.</summary>
    Failed,

    Cancelled,
}
