using Autograd.Data;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Which samples each step and rank use. Every epoch is one seeded order, <see cref="DistributedSampler"/>'s
/// (<c>Generator(seed + epoch).Permutation(n)</c>); global batch k is the order's k-th run of B samples (the last one
/// shorter unless dropped), exactly the batches of a single process's DataLoader over that sampler. Within a batch,
/// rank r of N takes positions r, r + N, r + 2N, ... (DistributedSampler's stride, without padding), so the ranks'
/// samples are disjoint, together are the whole batch, and differ in number by at most one.
/// </summary>
public static class BatchPartition
{
    public static int StepsPerEpoch(int samples, int batchSize, bool dropLast) =>
        dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize;

    public static int[] EpochOrder(int samples, bool shuffle, long seed, int epoch) =>
        new DistributedSampler(samples, numReplicas: 1, rank: 0, shuffle, seed) { Epoch = epoch }.EpochIndices().ToArray();

    /// <summary>The sample indices of rank <paramref name="rank"/> in global batch <paramref name="batchInEpoch"/> (possibly none).</summary>
    public static int[] RankIndices(int[] epochOrder, int batchInEpoch, int batchSize, int rank, int worldSize)
    {
        int start = batchInEpoch * batchSize;
        int size = Math.Clamp(epochOrder.Length - start, 0, batchSize);
        var mine = new int[size > rank ? ((size - rank - 1) / worldSize) + 1 : 0];
        for (int i = 0; i < mine.Length; i++) mine[i] = epochOrder[start + rank + (i * worldSize)];
        return mine;
    }
}
