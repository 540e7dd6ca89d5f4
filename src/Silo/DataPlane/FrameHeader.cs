namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The fixed part of a data-plane frame (<see cref="FrameCodec"/> lays it out). A <see cref="FrameKind.Reduce"/>
/// frame carries the fields of a <see cref="Contracts.Messages.GradientContribution"/>, then the sender's trace context
/// (with <see cref="HasTraceContext"/>), the chunk's slot in the shared region (with <see cref="Shared"/>),
/// <see cref="KeyLength"/> bytes of the shard grain's key and <see cref="Count"/> floats (none with Shared); an
/// <see cref="FrameKind.Answer"/> echoes <see cref="RequestId"/> and carries Count floats (none with Shared: they were
/// written over the request's slot); an <see cref="FrameKind.Error"/> carries Count bytes of UTF-8 text; a
/// <see cref="FrameKind.MapRegion"/> carries Count bytes naming the region.
/// </summary>
/// <param name="Kind">What follows the header.</param>
/// <param name="RequestId">Chosen by the worker's connection; the answer or error carries it back.</param>
/// <param name="NonFinite">The contribution's NaN/infinity flag (Reduce only).</param>
/// <param name="Step">The contribution's step (Reduce only).</param>
/// <param name="Epoch">The contribution's epoch (Reduce only).</param>
/// <param name="Rank">The contributor's rank (Reduce only).</param>
/// <param name="Samples">The contributor's sample count (Reduce only).</param>
/// <param name="Offset">Where the chunk starts in the shard's slice (Reduce only).</param>
/// <param name="Count">Floats that follow (Reduce, Answer) or bytes of the message (Error).</param>
/// <param name="KeyLength">UTF-8 bytes of the shard's grain key (Reduce only; 0 otherwise).</param>
/// <param name="HasTraceContext">
/// The sender's W3C trace context (<see cref="FrameCodec.TraceContextSize"/> bytes) follows the header, before the key
/// (Reduce only): the shard's spans then join the sender's trace, as they would through an Orleans grain call.
/// </param>
/// <param name="Shared">
/// The floats are in the connection's <see cref="SharedRegion"/>, not after the frame (Reduce and Answer only; see
/// <see cref="FrameCodec.SharedOffsetSize"/>).
/// </param>
public readonly record struct FrameHeader(
    FrameKind Kind,
    uint RequestId,
    bool NonFinite,
    long Step,
    int Epoch,
    int Rank,
    int Samples,
    int Offset,
    int Count,
    int KeyLength,
    bool HasTraceContext = false,
    bool Shared = false);
