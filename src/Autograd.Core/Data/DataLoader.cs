using System.Collections;

namespace Autograd.Data;

/// <summary>
/// Batches a dataset (torch.utils.data.DataLoader): sequential or seeded-shuffled order, fixed batch size, the last
/// partial batch kept or dropped. Each enumeration is one epoch; a shuffling loader draws a new order every epoch.
/// Batches are made on the enumerating thread, inside whatever <see cref="TensorScope"/> is current there.
/// </summary>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    private readonly Dataset _dataset;
    private readonly Sampler _sampler;

    public DataLoader(Dataset dataset, int batchSize = 1, bool shuffle = false, bool dropLast = false, Generator? generator = null, Sampler? sampler = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DataLoader: batch_size should be a positive integer value");
        if (sampler is not null && shuffle) throw new ArgumentException("DataLoader: sampler option is mutually exclusive with shuffle");
        _dataset = dataset;
        BatchSize = batchSize;
        DropLast = dropLast;
        _sampler = sampler ?? (shuffle ? new RandomSampler(dataset.Count, generator) : new SequentialSampler(dataset.Count));
    }

    public int BatchSize { get; }

    public bool DropLast { get; }

    public Dataset Dataset => _dataset;

    /// <summary>Number of batches in one epoch.</summary>
    public int Count
    {
        get
        {
            int samples = _sampler is DistributedSampler d ? d.SamplesPerReplica : _dataset.Count;
            return DropLast ? samples / BatchSize : (samples + BatchSize - 1) / BatchSize;
        }
    }

    public IEnumerator<Tensor[]> GetEnumerator()
    {
        var order = _sampler.EpochIndices();
        var batch = new int[BatchSize];
        for (int start = 0; start < order.Count; start += BatchSize)
        {
            int size = Math.Min(BatchSize, order.Count - start);
            if (size < BatchSize && DropLast) yield break;
            var indices = size == BatchSize ? batch : new int[size];
            for (int i = 0; i < size; i++) indices[i] = order[start + i];
            yield return _dataset.GetBatch(indices);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
