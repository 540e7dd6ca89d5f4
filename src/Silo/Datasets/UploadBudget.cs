namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// The values all uploads held on this silo may take together (<see cref="MaxValuesPerSilo"/>): each upload reserves
/// its declared size when it begins and gives it back when deleted or collected, so many uploads cannot exhaust the
/// silo's memory, whatever each one's own limit.
/// </summary>
public sealed class UploadBudget
{
    /// <summary>Four uploads of the largest size (1 GiB of floats).</summary>
    public const long MaxValuesPerSilo = 4 * DatasetProvider.MaxValues;

    private readonly long _capacity;
    private long _used;

    public UploadBudget()
        : this(MaxValuesPerSilo)
    {
    }

    internal UploadBudget(long capacity) => _capacity = capacity;

    /// <summary>Values reserved now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Reserves <paramref name="values"/>; false (and nothing reserved) when they do not fit.</summary>
    public bool TryReserve(long values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(values);
        long used;
        do
        {
            used = Interlocked.Read(ref _used);
            if (used + values > _capacity) return false;
        }
        while (Interlocked.CompareExchange(ref _used, used + values, used) != used);
        return true;
    }

    public void Release(long values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(values);
        Interlocked.Add(ref _used, -values);
    }
}
