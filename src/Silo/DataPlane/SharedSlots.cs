namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The places of a worker connection's <see cref="SharedRegion"/> that chunks in flight occupy: a chunk rents a slot
/// of its size for its gradient, the shard's silo writes the answer over it, and the slot is free again once the answer
/// (or an error) came back. Freed slots are kept by size and handed out again before new space is cut: a job's chunks
/// have the same sizes every step, so after its first step a connection cuts nothing new. When the region has no slot
/// left for a chunk, that chunk goes over the socket as before.
/// </summary>
internal sealed class SharedSlots(int floats)
{
    /// <summary>Slots start on a 64-byte cache line, so two chunks never share one.</summary>
    private const int Alignment = 16;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, Stack<int>> _free = [];
    private int _cut;

    /// <summary>Floats the slots may cover in all.</summary>
    public int Capacity { get; } = floats;

    /// <summary>A free slot of <paramref name="count"/> floats (its offset in the region); false when none is left.</summary>
    public bool TryRent(int count, out int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_lock)
        {
            if (_free.TryGetValue(count, out var freed) && freed.TryPop(out offset)) return true;
            long end = (long)_cut + Aligned(count);
            if (end > Capacity)
            {
                offset = -1;
                return false;
            }

            offset = _cut;
            _cut = (int)end;
            return true;
        }
    }

    /// <summary>The slot at <paramref name="offset"/>, of <paramref name="count"/> floats, is free again.</summary>
    public void Return(int offset, int count)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(count, out var freed)) _free[count] = freed = new Stack<int>();
            freed.Push(offset);
        }
    }

    private static long Aligned(int count) => ((long)count + Alignment - 1) / Alignment * Alignment;
}
