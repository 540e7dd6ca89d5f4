using Autograd.Cluster.Contracts;
using Orleans.Runtime.Placement;

namespace Autograd.Cluster.Silo.Placement;

/// <summary>
/// Chooses the silo for a new activation under <see cref="SpreadPlacementStrategy"/>: member i of job j goes to
/// silo (FNV-1a(j) + i) mod S of the S compatible silos sorted by address, the same choice on whichever silo decides.
/// A key without a member index goes to a random compatible silo.
/// </summary>
public sealed class SpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) throw new OrleansException($"no compatible silo for {target.GrainIdentity}");
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (!GrainKeys.TryParseMember(target.GrainIdentity.Key.ToString(), out string jobId, out int index))
            return Task.FromResult(ordered[Random.Shared.Next(ordered.Length)]);
        long slot = (StableHash(jobId) + (long)index) % ordered.Length;
        return Task.FromResult(ordered[slot]);
    }

    /// <summary>FNV-1a over the UTF-16 code units: unlike string.GetHashCode, the same in every process.</summary>
    internal static uint StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash ^= c;
            hash *= 16777619;
        }

        return hash;
    }
}
