namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// A gradient chunk sent over the data plane got no answer: the shard refused or failed it, or the wait ran out (a
/// broken connection is Orleans' <c>SiloUnavailableException</c>, see <see cref="DataPlaneUnreachable"/>). The worker's step fails with it as it would
/// with a failed grain call, and the message names the shard, the data-plane endpoint and the reason.
/// </summary>
public sealed class DataPlaneException : IOException
{
    /// <summary>Creates the exception for <paramref name="shardKey"/> at <paramref name="endpoint"/>.</summary>
    public DataPlaneException(string shardKey, string endpoint, string reason, Exception? inner = null)
        : base($"shard {shardKey} (data plane {endpoint}): {reason}", inner)
    {
        ShardKey = shardKey;
        Endpoint = endpoint;
    }

    /// <summary>The shard grain's key.</summary>
    public string ShardKey { get; }

    /// <summary>The data-plane endpoint (address:port) of the shard's silo.</summary>
    public string Endpoint { get; }
}
