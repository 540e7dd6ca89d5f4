namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>What a data-plane frame carries.</summary>
public enum FrameKind : byte
{
    /// <summary>Worker to shard's silo: one chunk of a rank's gradient for a shard (the shard's key, then the floats).</summary>
    Reduce = 1,

    /// <summary>Shard's silo to worker: the updated values of the chunk a <see cref="Reduce"/> frame sent (the floats).</summary>
    Answer = 2,

    /// <summary>Shard's silo to worker: the shard refused or failed the chunk (a UTF-8 message).</summary>
    Error = 3,

    /// <summary>
    /// Worker to a co-located silo, over the local socket only: map the <see cref="SharedRegion"/> this connection's
    /// chunks and answers will be written in (the region's size as 8 bytes, then its path as UTF-8). Answered by
    /// <see cref="RegionMapped"/>, or by an <see cref="Error"/> when the silo cannot or will not map it.
    /// </summary>
    MapRegion = 4,

    /// <summary>Co-located silo to worker: the region of the <see cref="MapRegion"/> frame is mapped (no payload).</summary>
    RegionMapped = 5,
}
