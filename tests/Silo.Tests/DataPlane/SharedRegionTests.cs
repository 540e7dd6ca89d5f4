using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>Regions of /dev/shm as two silos map them: here both ends live in the test process, as two mappings.</summary>
public sealed class SharedRegionTests
{
    private const long Bytes = 64 * 1024;

    [Fact]
    public void Open_RegionAnotherSideCreated_BothSeeEachOthersWritesAndItsNameIsGone()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions exist on Linux only");
        var created = SharedRegion.TryCreate(Bytes, out string? failure);
        Assert.True(created is not null, failure);
        Assert.True(File.Exists(created.Path));

        var opened = SharedRegion.Open(created.Path, Bytes);

        Assert.False(File.Exists(created.Path));
        Assert.Equal(Bytes / sizeof(float), opened.Floats);
        created.Write(100, [1.5f, -2f, 3.25f]);
        var seen = new float[3];
        opened.Read(100, seen);
        Assert.Equal([1.5f, -2f, 3.25f], seen);
        opened.Write(0, [7f]);
        Assert.Equal(7f, created.GetSpan()[0]);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/dev/shm/autograd-dataplane-../../etc/passwd")]
    [InlineData("/dev/shm/autograd-dataplane-0123456789abcdef0123456789abcdeg")]
    [InlineData("/dev/shm/other-0123456789abcdef0123456789abcdef")]
    public void Open_PathNotADataPlaneRegion_IsRefusedNamingIt(string path)
    {
        var e = Assert.Throws<ArgumentException>(() => SharedRegion.Open(path, Bytes));

        Assert.Contains($"'{path}' is not a data-plane region", e.Message);
    }

    [Fact]
    public void Open_SizeOtherThanTheFiles_IsRefusedBeforeMapping()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions exist on Linux only");
        var created = SharedRegion.TryCreate(Bytes, out _)!;
        try
        {
            // Mapped past the file's end, the first access there would fault the silo.
            var e = Assert.Throws<ArgumentException>(() => SharedRegion.Open(created.Path, 2 * Bytes));

            Assert.Contains($"holds {Bytes} bytes, not the {2 * Bytes} named", e.Message);
            Assert.True(File.Exists(created.Path), "a refused region is left to its creator to remove");
        }
        finally
        {
            SharedRegion.Remove(created.Path);
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(6L)]
    [InlineData(SharedRegion.MaxBytes + 4)]
    public void TryCreate_SizeOutOfBounds_IsRefusedNamingIt(long bytes)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SharedRegion.TryCreate(bytes, out _));

        Assert.Contains($"got {bytes}", e.Message);
    }

    [Fact]
    public void Open_NoSuchRegion_FailsAsAnIOError()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions exist on Linux only");

        Assert.ThrowsAny<IOException>(() => SharedRegion.Open("/dev/shm/autograd-dataplane-" + Guid.NewGuid().ToString("N"), Bytes));
    }

    [Fact]
    public void IsPath_OnlyNamesRegionsTryCreateMakes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared regions exist on Linux only");
        var created = SharedRegion.TryCreate(Bytes, out _)!;
        SharedRegion.Remove(created.Path);

        Assert.True(SharedRegion.IsPath(created.Path));
        Assert.False(SharedRegion.IsPath(created.Path + "x"));
        Assert.False(SharedRegion.IsPath(null));
    }
}
