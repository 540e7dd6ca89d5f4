using System.Globalization;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// The keys of a job's grains: the coordinator's is the job id; a worker's and a shard's are <c>{jobId}/{index}</c>,
/// so no two jobs share a grain and a placement director can read the index.
/// </summary>
public static class GrainKeys
{
    public static string Member(string jobId, int index) => $"{jobId}/{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Splits a worker or shard key into its job id and index; false when the key has no such form.</summary>
    public static bool TryParseMember(string key, out string jobId, out int index)
    {
        int slash = key.LastIndexOf('/');
        jobId = slash > 0 ? key[..slash] : string.Empty;
        index = -1;
        return slash > 0 && int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
