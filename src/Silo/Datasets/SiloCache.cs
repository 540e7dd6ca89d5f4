using System.Collections.Concurrent;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Values made once per silo and shared: concurrent callers of one key wait for a single load. A load that throws is
/// forgotten, so a file fixed after a refused job (or an upload sealed later) is read again by the next one.
/// </summary>
internal sealed class SiloCache<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<TValue>> _entries = new();

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> load)
    {
        var entry = _entries.GetOrAdd(key, k => new Lazy<TValue>(() => load(k), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return entry.Value;
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<TKey, Lazy<TValue>>(key, entry));
            throw;
        }
    }

    /// <summary>Whether a value for <paramref name="key"/> was made and kept.</summary>
    public bool Contains(TKey key) => _entries.TryGetValue(key, out var entry) && entry.IsValueCreated;

    public int Count => _entries.Count;
}
