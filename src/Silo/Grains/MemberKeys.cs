using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The keys of a job's worker and shard grains. Workers are <c>{jobId}/{slot}</c>: a slot is a grain, its rank comes
/// with its setup, so a survivor of a recovery keeps its grain under a new rank. Shards of generation g &gt; 0 are
/// <c>{jobId}~{g}/{shard}</c>: every recovery or resume starts a new set, so no call is routed to a shard activation
/// that died with its silo (the directory forgets those only once membership declares the silo dead).
/// </summary>
internal static class MemberKeys
{
    public static string ShardScope(string jobId, int generation) =>
        generation == 0 ? jobId : $"{jobId}~{generation.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static IParameterShardGrain Shard(IGrainFactory grains, string jobId, int generation, int index) =>
        grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(ShardScope(jobId, generation), index));

    public static IWorkerGrain Worker(IGrainFactory grains, string jobId, int slot) =>
        grains.GetGrain<IWorkerGrain>(GrainKeys.Member(jobId, slot));
}
