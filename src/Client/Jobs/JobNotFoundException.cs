namespace Autograd.Cluster.Client.Jobs;

/// <summary>No job with this id was ever accepted by the cluster (or the coordinator that ran it has gone with its silo).</summary>
public sealed class JobNotFoundException : Exception
{
    public JobNotFoundException()
    {
    }

    public JobNotFoundException(string message)
        : base(message)
    {
    }

    public JobNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The id asked for.</summary>
    public string JobId { get; init; } = string.Empty;
}
