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
        // A coordinator re-forming a job after a silo loss names the live silo each new member goes to.
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint) return Task.FromResult(hint);
        var ordered = Ordered(silos);
        if (!GrainKeys.TryParseMember(target.GrainIdentity.Key.ToString(), out string jobId, out int index))
            return Task.FromResult(ordered[Random.Shared.Next(ordered.Length)]);
        return Task.FromResult(ordered[Choose(jobId, index, ordered.Length)]);
    }

    /// <summary>The silos in address order: the same order on whichever silo decides.</summary>
    internal static SiloAddress[] Ordered(SiloAddress[] silos) => silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();

    /// <summary>The position of member <paramref name="index"/> of <paramref name="jobId"/> among <paramref name="silos"/> ordered silos.</summary>
    internal static int Choose(string jobId, int index, int silos) => (int)((StableHash(jobId) + (long)index) % silos);

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
