using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Uploads;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// A small dataset uploaded by a client in chunks (key = upload id), for jobs whose dataset spec is <c>in-memory</c>
/// with that <c>UploadId</c>: begin with a header, append every part's chunks in order, seal (which checks the whole
/// as a job would); workers on any silo then read it in chunks and cache it per silo. The data lives in this grain's
/// memory on one silo: it is lost with that silo, and dropped an hour after its last use or at <see cref="DeleteAsync"/>.
/// </summary>
[Alias("Autograd.Cluster.IDatasetUploadGrain")]
public interface IDatasetUploadGrain : IGrainWithStringKey
{
    /// <summary>Starts (or restarts, discarding chunks so far) an unsealed upload; refuses totals over the silo's limit.</summary>
    [Alias("Begin")]
    Task<DatasetUploadInfo> BeginAsync(DatasetUploadHeader header);

    /// <summary>Stores one chunk; refuses chunks out of order, past the part's declared size, or of a part the header has no room for.</summary>
    [Alias("Append")]
    Task<DatasetUploadInfo> AppendAsync(DatasetChunk chunk);

    /// <summary>Checks that every part is complete and the whole is a valid dataset (labels in range, ...), then freezes it.</summary>
    [Alias("Seal")]
    Task<DatasetUploadInfo> SealAsync();

    [Alias("GetInfo")]
    Task<DatasetUploadInfo> GetInfoAsync();

    /// <summary>Reads <paramref name="count"/> floats (at most <see cref="DatasetUploadHeader.MaxChunkValues"/>) of a sealed float part.</summary>
    [Alias("ReadValues")]
    Task<FloatBlock> ReadValuesAsync(UploadPart part, long offset, int count);

    /// <summary>Reads <paramref name="count"/> labels (at most <see cref="DatasetUploadHeader.MaxChunkValues"/>) of a sealed label part.</summary>
    [Alias("ReadLabels")]
    Task<long[]> ReadLabelsAsync(UploadPart part, long offset, int count);

    /// <summary>Drops the data now.</summary>
    [Alias("Delete")]
    Task DeleteAsync();
}
