using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Contracts.Uploads;

/// <summary>
/// Values [<see cref="Offset"/>, <see cref="Offset"/> + count) of one <see cref="Part"/>: floats in <see cref="Values"/>
/// for inputs and targets, integers in <see cref="Labels"/> for labels. Chunks of a part arrive in order (the offset
/// is the count received so far), at most <see cref="DatasetUploadHeader.MaxChunkValues"/> values each.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.DatasetChunk")]
public sealed record DatasetChunk
{
    [Id(0)]
    public UploadPart Part { get; init; }

    [Id(1)]
    public long Offset { get; init; }

    [Id(2)]
    public FloatBlock? Values { get; init; }

    [Id(3)]
    public long[]? Labels { get; init; }
}
