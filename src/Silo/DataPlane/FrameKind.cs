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
}
