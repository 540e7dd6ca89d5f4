using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Client.Jobs;

/// <summary>A job ended in <see cref="JobState.Failed"/>: the message is the cluster's failure reason (which worker, which step, what error).</summary>
public sealed class TrainingJobFailedException : Exception
{
    public TrainingJobFailedException()
    {
    }

    public TrainingJobFailedException(string message)
        : base(message)
    {
    }

    public TrainingJobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TrainingJobFailedException(JobStatus status)
        : base($"job {status?.JobId} failed: {status?.FailureReason ?? "no reason given"}")
    {
        Status = status;
    }

    /// <summary>The job's final status.</summary>
    public JobStatus? Status { get; }
}
