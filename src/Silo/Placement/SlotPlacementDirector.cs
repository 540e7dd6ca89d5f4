using Autograd.Cluster.Contracts;
using Autograd.Cluster.Silo.Hosting;
using Orleans.Runtime.Placement;

namespace Autograd.Cluster.Silo.Placement;

/// <summary>
/// Places a job's workers under <see cref="SlotPlacementStrategy"/>: the spread's choice (see
/// <see cref="SpreadPlacementDirector"/>), refusing member i when i &gt;= S x slots per silo, where a silo would get
/// more workers of the job than it has slots.
/// </summary>
public sealed class SlotPlacementDirector(SiloSlots slots) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) throw new OrleansException($"no compatible silo for {target.GrainIdentity}");
        // A coordinator re-forming a job after a silo loss names the live silo each new member goes to.
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint) return Task.FromResult(hint);
        var ordered = SpreadPlacementDirector.Ordered(silos);
        if (!GrainKeys.TryParseMember(target.GrainIdentity.Key.ToString(), out string jobId, out int index))
            return Task.FromResult(ordered[Random.Shared.Next(ordered.Length)]);
        if (!Fits(index, ordered.Length, slots.PerSilo))
            throw new OrleansException($"worker {index} of job {jobId} has no slot: {ordered.Length} silos x {slots.PerSilo} slots ({SiloSlots.ConfigurationKey}) hold workers 0..{(ordered.Length * slots.PerSilo) - 1}");
        return Task.FromResult(ordered[SpreadPlacementDirector.Choose(jobId, index, ordered.Length)]);
    }

    /// <summary>Whether member <paramref name="index"/> gets a slot on <paramref name="silos"/> silos of <paramref name="perSilo"/> slots.</summary>
    internal static bool Fits(int index, int silos, int perSilo) => (long)silos * perSilo > index;
}
