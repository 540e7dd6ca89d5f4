namespace Autograd.Cluster.Silo.Placement;

/// <summary>
/// Places a job's members (workers, shards: keys <c>{jobId}/{index}</c>) on distinct silos: member i of a job goes
/// to silo (h(jobId) + i) mod S of the S compatible silos in address order, so up to S members never share a silo
/// and different jobs start at different silos. See <see cref="SpreadPlacementDirector"/>.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Autograd.Cluster.SpreadPlacementStrategy")]
public sealed class SpreadPlacementStrategy : PlacementStrategy
{
    internal static readonly SpreadPlacementStrategy Instance = new();
}
