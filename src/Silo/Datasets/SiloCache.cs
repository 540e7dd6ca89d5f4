namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Values made once per silo and shared, at most <c>capacity</c> of them: the least recently used goes first (jobs
/// that hold its value keep their own reference, so only memory no job uses is let go). Concurrent callers of one key
/// wait for a single load. A load that throws is forgotten, so a file fixed after a refused job (or an upload sealed
/// later) is read again by the next one.
/// </summary>
/// <remarks>
/// Without a bound, a long-lived silo kept every file it ever read, and every version of a file rewritten between jobs
/// (its key carries the file's length and write time), up to <see cref="DatasetProvider.MaxValues"/> floats each.
/// </remarks>
internal sealed class SiloCache<TKey, TValue>
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, Entry> _entries = new();
    private readonly int _capacity;
    private long _clock;

    public SiloCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry(new Lazy<TValue>(() => load(key), LazyThreadSafetyMode.ExecutionAndPublication));
                _entries[key] = entry;
            }

            entry.LastUse = ++_clock;
            while (_entries.Count > _capacity) _entries.Remove(_entries.MinBy(e => e.Value.LastUse).Key);
        }

        try
        {
            return entry.Value.Value;
        }
        catch
        {
            lock (_gate)
            {
                if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry)) _entries.Remove(key);
            }

            throw;
        }
    }

    /// <summary>Whether a value for <paramref name="key"/> was made and kept.</summary>
    public bool Contains(TKey key)
    {
        lock (_gate) return _entries.TryGetValue(key, out var entry) && entry.Value.IsValueCreated;
    }

    private sealed class Entry(Lazy<TValue> value)
    {
        public Lazy<TValue> Value { get; } = value;

        public long LastUse { get; set; }
    }
}
