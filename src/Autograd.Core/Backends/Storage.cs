namespace Autograd.Backends;

/// <summary>
/// A flat, contiguous buffer of one dtype on one device. Several tensors may share one storage (views made by
/// reshape); the storage goes back to its device's pool when the last of them is disposed.
/// </summary>
internal abstract class Storage
{
    private int _references = 1;

    protected Storage(DType dtype, int length)
    {
        DType = dtype;
        Length = length;
    }

    public DType DType { get; }

    public int Length { get; }

    public abstract IBackend Backend { get; }

    public Device Device => Backend.Device;

    /// <summary>Bumped by every in-place write, so backward can tell that a tensor it saved has changed.</summary>
    public int Version { get; private set; }

    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    public void BumpVersion() => Version++;

    /// <summary>Another tensor now shares this storage.</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>A tensor sharing this storage was disposed; the last one returns the buffer.</summary>
    public void RemoveReference()
    {
        if (Interlocked.Decrement(ref _references) == 0) Release();
    }

    protected abstract void Release();
}
