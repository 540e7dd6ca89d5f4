using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Training;

/// <summary>Splits the flat parameter vector into contiguous shard slices, each small enough for one message.</summary>
public static class ShardPartition
{
    /// <summary>
    /// <paramref name="requested"/> shards (0: one per worker), raised so that no slice exceeds
    /// <paramref name="maxPerShard"/> and lowered so that none is empty; sizes differ by at most one.
    /// </summary>
    public static ShardRange[] Split(long total, int requested, int workers, int maxPerShard = FloatBlock.MaxFloats)
    {
        if (total <= 0) throw new ArgumentOutOfRangeException(nameof(total), total, "there are no parameters to shard");
        long count = requested > 0 ? requested : workers;
        count = Math.Max(count, (total + maxPerShard - 1) / maxPerShard);
        count = Math.Min(count, total);
        var ranges = new ShardRange[count];
        long offset = 0;
        for (int s = 0; s < count; s++)
        {
            int size = (int)((total / count) + (s < total % count ? 1 : 0));
            ranges[s] = new ShardRange(s, offset, size);
            offset += size;
        }

        return ranges;
    }
}
