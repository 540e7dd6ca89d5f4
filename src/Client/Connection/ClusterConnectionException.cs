namespace Autograd.Cluster.Client.Connection;

/// <summary>The client could not reach the cluster (no gateway answered, or the membership store could not be read).</summary>
public sealed class ClusterConnectionException : Exception
{
    public ClusterConnectionException()
    {
    }

    public ClusterConnectionException(string message)
        : base(message)
    {
    }

    public ClusterConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
