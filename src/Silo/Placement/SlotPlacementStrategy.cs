namespace Autograd.Cluster.Silo.Placement;

/// <summary>
/// <see cref="SpreadPlacementStrategy"/> for a job's workers, capped by slots: member i of job j goes to silo
/// (h(j) + i) mod S as the spread does, which puts at most ceil(N / S) of N workers on a silo, so no more than
/// <c>Autograd:SlotsPerSilo</c> while N fits the cluster's slots; a worker past S x slots is refused a silo.
/// See <see cref="SlotPlacementDirector"/>.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Autograd.Cluster.SlotPlacementStrategy")]
public sealed class SlotPlacementStrategy : PlacementStrategy
{
    internal static readonly SlotPlacementStrategy Instance = new();
}
