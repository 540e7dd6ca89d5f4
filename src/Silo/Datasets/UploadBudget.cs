using Autograd.Cluster.Silo.Hosting;

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

    /// <summary>Four uploads of the largest size <paramref name="limits"/> allow (<see cref="TrainingLimits.MaxUploadBytes"/>, at 4 bytes a value).</summary>
    public UploadBudget(TrainingLimits limits)
        : this(4 * Math.Min(DatasetProvider.MaxValues, (limits ?? throw new ArgumentNullException(nameof(limits))).MaxUploadBytes / sizeof(float)))
    {
    }

    internal UploadBudget(long capacity) => _capacity = capacity;

    /// <summary>The values all uploads of the silo may hold together.</summary>
    public long Capacity => _capacity;

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
