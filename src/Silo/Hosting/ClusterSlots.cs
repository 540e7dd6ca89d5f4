namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// How many workers the cluster can host now: its active silos (Orleans membership) times each silo's
/// <see cref="SiloSlots.PerSilo"/>. The coordinator passes <see cref="Count"/> to the planner, which refuses a job that
/// demands more workers.
/// </summary>
public sealed class ClusterSlots(IClusterMembershipService membership, SiloSlots slots)
{
    /// <summary>Silos whose membership status is active.</summary>
    public int ActiveSilos => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);

    /// <summary>Slots per silo (the same on every silo).</summary>
    public int PerSilo => slots.PerSilo;

    /// <summary>Worker slots in the cluster: <see cref="ActiveSilos"/> x <see cref="PerSilo"/>.</summary>
    public int Count => ActiveSilos * slots.PerSilo;
}
