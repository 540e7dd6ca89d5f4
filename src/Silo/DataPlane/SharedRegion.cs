using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// A file in <c>/dev/shm</c> (tmpfs: memory, never disk) mapped into this process, written and read as floats by two
/// co-located silos. A worker's connection creates one (<see cref="TryCreate"/>) and names it to the shard's silo over
/// the local socket; that silo maps the same pages (<see cref="Open"/>) and removes the name, so nothing is left in
/// <c>/dev/shm</c> once both sides have it (a silo killed between the two leaves one file). Chunks and answers then
/// cross as plain memory writes and the socket carries only their headers: over the socket each chunk was copied into
/// the kernel and out again (a 2-silo MLP timeline: 44 us to write and 53 us to read half its gradient, 40 and 37 us
/// for the answer, against ~6-20 us for a copy in memory).
/// The mapping is undone when the region is no longer reachable (<see cref="Mapping"/>'s finalizer), never explicitly: a
/// chunk a shard still holds is memory over this manager, which keeps it reachable, so it never points at unmapped pages.
/// A span over the region is only as safe as the reference kept while it is used: <see cref="Read"/> and
/// <see cref="Write"/> keep the region alive for their copies, and a block's span is read while the block is held.
/// Linux only. The file belongs to the silos' user and is mode 0600; a process of that user could still shrink it
/// under a silo that mapped it, which would fault that silo: the local socket already trusts such a process.
/// </summary>
internal sealed unsafe partial class SharedRegion : MemoryManager<float>
{
    /// <summary>The largest region a silo maps: 1 GiB.</summary>
    public const long MaxBytes = 1L << 30;

    private const string Folder = "/dev/shm";
    private const string Prefix = "autograd-dataplane-";
    private const int ProtectReadWrite = 0x1 | 0x2;
    private const int MapShared = 0x1;

    // Unmaps the pages once this region, and so every block over it, is unreachable.
    private readonly Mapping _mapping;

    private SharedRegion(string path, nint address, long bytes)
    {
        Path = path;
        _mapping = new Mapping(address, bytes);
    }

    /// <summary>The file's path, by which the peer opens it (gone once the peer has mapped it).</summary>
    public string Path { get; }

    /// <summary>Floats the region holds.</summary>
    public int Floats => (int)(Bytes / sizeof(float));

    /// <summary>Bytes the region holds.</summary>
    public long Bytes => _mapping.Bytes;

    /// <summary>Whether <paramref name="path"/> is a region's path as <see cref="TryCreate"/> makes them, and nothing else.</summary>
    public static bool IsPath(string? path) => path is not null && RegionPath().IsMatch(path);

    /// <summary>
    /// A fresh region of <paramref name="bytes"/> bytes, its pages allocated now; null, with the reason in
    /// <paramref name="failure"/>, where there is no usable <c>/dev/shm</c> (not Linux, not mounted, too full). Allocated
    /// up front because tmpfs takes a page at its first write, and a write that finds it full faults the process
    /// (SIGBUS), which no .NET code can catch: a full /dev/shm must fail here, where the connection falls back.
    /// </summary>
    public static SharedRegion? TryCreate(long bytes, out string? failure)
    {
        CheckSize(bytes);
        failure = null;
        if (!OperatingSystem.IsLinux())
        {
            failure = "shared memory regions exist on Linux only";
            return null;
        }

        string path = System.IO.Path.Combine(Folder, Prefix + Guid.NewGuid().ToString("N"));
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                PreallocationSize = bytes,
            });
            file.SetLength(bytes);
            return new SharedRegion(path, Map(file, bytes, path), bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e.Message;
            Remove(path);
            return null;
        }
    }

    /// <summary>
    /// Maps the region a co-located peer created at <paramref name="path"/>, which must hold exactly
    /// <paramref name="bytes"/> bytes, and removes its name.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not a region's, or the size is out of bounds or not the file's.</exception>
    /// <exception cref="IOException">The file cannot be opened or mapped (another mount namespace has another /dev/shm).</exception>
    public static SharedRegion Open(string path, long bytes)
    {
        if (!IsPath(path)) throw new ArgumentException($"'{path}' is not a data-plane region ({Folder}/{Prefix} and 32 hex digits)", nameof(path));
        CheckSize(bytes);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        // A file shorter than the size named would fault on the first access past its end.
        if (file.Length != bytes) throw new ArgumentException($"region {path} holds {file.Length} bytes, not the {bytes} named", nameof(bytes));
        var region = new SharedRegion(path, Map(file, bytes, path), bytes);
        Remove(path);
        return region;
    }

    /// <summary>Removes the name of the region at <paramref name="path"/>, if it is still there (the mappings stay).</summary>
    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a name left behind keeps its pages until it is removed; no silo ever opens it again.
        }
    }

    public override Span<float> GetSpan() => new((void*)_mapping.Address, Floats);

    /// <summary>Copies <paramref name="destination"/>'s length of floats from <paramref name="offset"/> on into it.</summary>
    public void Read(int offset, Span<float> destination)
    {
        GetSpan().Slice(offset, destination.Length).CopyTo(destination);
        GC.KeepAlive(this);
    }

    /// <summary>Copies <paramref name="values"/> into the region from <paramref name="offset"/> on.</summary>
    public void Write(int offset, ReadOnlySpan<float> values)
    {
        values.CopyTo(GetSpan().Slice(offset, values.Length));
        GC.KeepAlive(this);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)Floats) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        // Mapped memory never moves: nothing to pin.
        return new MemoryHandle((float*)_mapping.Address + elementIndex, default, this);
    }

    public override void Unpin()
    {
    }

    // Nothing to release on Dispose: the finalizer unmaps, once no memory over the region is reachable.
    protected override void Dispose(bool disposing)
    {
    }

    private static void CheckSize(long bytes)
    {
        if (bytes <= 0 || bytes > MaxBytes || bytes % sizeof(float) != 0)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"a data-plane region holds 4 to {MaxBytes} bytes, a whole number of floats; got {bytes}");
    }

    private static nint Map(FileStream file, long bytes, string path)
    {
        bool added = false;
        var handle = file.SafeFileHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            nint address = MapFile(0, (nuint)bytes, ProtectReadWrite, MapShared, (int)handle.DangerousGetHandle(), 0);
            if (address == -1) throw new IOException($"cannot map region {path}: {Marshal.GetLastPInvokeErrorMessage()}");
            return address;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>The pages mapped at an address, unmapped when nothing refers to them any more.</summary>
    private sealed class Mapping(nint address, long bytes)
    {
        ~Mapping()
        {
            _ = Unmap(Address, (nuint)Bytes);
        }

        public nint Address { get; } = address;

        public long Bytes { get; } = bytes;
    }

    [GeneratedRegex("^" + Folder + "/" + Prefix + "[0-9a-f]{32}$")]
    private static partial Regex RegionPath();

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MapFile(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(nint address, nuint length);
}
