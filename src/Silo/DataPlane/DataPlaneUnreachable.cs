using Orleans.Runtime;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The failure of a gradient chunk that could not reach its shard's silo over the data plane: the connection could not
/// be made, or it broke (a killed silo's socket resets at once; a stopping silo closes its listener before Orleans
/// stops). It is Orleans' own <see cref="SiloUnavailableException"/>, as for a grain call that cannot reach a silo, so
/// the coordinator treats the step as a lost silo and recovers exactly as it does then; the message names the shard,
/// the data-plane endpoint and the reason.
/// </summary>
public static class DataPlaneUnreachable
{
    /// <summary>The exception for <paramref name="shardKey"/> at <paramref name="endpoint"/>.</summary>
    public static SiloUnavailableException Create(string shardKey, string endpoint, string reason) =>
        new($"shard {shardKey} (data plane {endpoint}): {reason}");
}
