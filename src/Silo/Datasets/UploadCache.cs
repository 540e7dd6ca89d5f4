namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// The uploads a silo has fetched, by upload id (the latest sealed version only), at most <c>capacity</c> of them:
/// the least recently used goes first (jobs that use it keep their own reference). Concurrent fetches of one version
/// share one download; a failed download is forgotten.
/// </summary>
internal sealed class UploadCache(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _clock;

    public Task<InMemoryDataset> GetOrAdd(string uploadId, string version, Func<Task<InMemoryDataset>> fetch)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(uploadId, out entry!) || entry.Version != version)
            {
                entry = new Entry(version, fetch());
                _entries[uploadId] = entry;
                while (_entries.Count > capacity)
                    _entries.Remove(_entries.MinBy(e => e.Value.LastUse).Key);
            }

            entry.LastUse = ++_clock;
        }

        return ForgetOnFailure(uploadId, entry);
    }

    /// <summary>The fetched dataset of <paramref name="uploadId"/>, or null when this silo has not fetched it (or it failed).</summary>
    public InMemoryDataset? TryGet(string uploadId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(uploadId, out var entry) || !entry.Data.IsCompletedSuccessfully) return null;
            entry.LastUse = ++_clock;
            return entry.Data.Result;
        }
    }

    private async Task<InMemoryDataset> ForgetOnFailure(string uploadId, Entry entry)
    {
        try
        {
            return await entry.Data;
        }
        catch
        {
            lock (_gate)
            {
                if (_entries.TryGetValue(uploadId, out var current) && ReferenceEquals(current, entry)) _entries.Remove(uploadId);
            }

            throw;
        }
    }

    private sealed class Entry(string version, Task<InMemoryDataset> data)
    {
        public string Version { get; } = version;

        public Task<InMemoryDataset> Data { get; } = data;

        public long LastUse { get; set; }
    }
}
