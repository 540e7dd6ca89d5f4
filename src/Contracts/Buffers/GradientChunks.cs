namespace Autograd.Cluster.Contracts.Buffers;

/// <summary>
/// How a worker cuts its gradient slice for one shard into the chunks it sends as concurrent calls, and how the shard
/// checks them: chunk i covers floats [i x <see cref="Floats"/>, min((i + 1) x Floats, count)) of the slice. Several
/// smaller messages let one chunk be serialized while another is on the wire and a third is read and averaged, where a
/// single 20 MB message passes through each of those stages whole, one after the other.
/// </summary>
public static class GradientChunks
{
    /// <summary>Floats per chunk: 512K floats = 2 MiB.</summary>
    public const int Floats = 512 * 1024;

    /// <summary>The number of chunks a slice of <paramref name="count"/> floats is sent in (one, even when empty).</summary>
    public static int CountFor(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Math.Max(1, (int)(((long)count + Floats - 1) / Floats));
    }

    /// <summary>Chunk <paramref name="index"/> of a slice of <paramref name="count"/> floats: its offset in the slice and its length.</summary>
    public static (int Offset, int Count) Range(int count, int index)
    {
        if ((uint)index >= (uint)CountFor(count))
            throw new ArgumentOutOfRangeException(nameof(index), $"GradientChunks: chunk {index} of a slice of {count} floats (it has {CountFor(count)})");
        int offset = index * Floats;
        return (offset, Math.Min(Floats, count - offset));
    }
}
