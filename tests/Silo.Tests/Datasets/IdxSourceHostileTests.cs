using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

/// <summary>
/// Malformed and oversized IDX inputs files given to a job: each is refused with a one-line
/// <see cref="JobSpecException"/> naming <c>dataset.path</c> and the file, without allocating what its header claims
/// (the thread allocates under 64 MiB around the load).
/// </summary>
public sealed class IdxSourceHostileTests : IDisposable
{
    private const long AllocationCeiling = 64L << 20;

    private readonly TempDataFolder _folder = new();
    private readonly DatasetProvider _provider = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, byte, int[], int, bool, string> MalformedFiles() => new()
    {
        { "truncated data", 0x08, [4, 4], 9, false, "needs 16 bytes but only 9 remain" },
        { "truncated gzip data", 0x08, [4, 4], 9, true, "needs 16 bytes but only 9 remain" },
        { "2^40 bytes declared", 0x08, [1024, 1024, 1024, 1024], 16, false, "exceed the cap of 67108864 data bytes" },
        { "2^40 bytes declared in gzip", 0x08, [1024, 1024, 1024, 1024], 16, true, "exceed the cap of 67108864 data bytes" },
        { "dims product overflowing", 0x0E, [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue], 8, false, "exceed the cap of 536870912 data bytes" },
        { "float32 dims over the values cap", 0x0D, [8192, 8193], 8, false, "exceed the cap of 268435456 data bytes" },
        { "unknown element type", 0x0A, [2, 2], 4, false, "unknown IDX element type code 0x0a" },
        { "negative dimension", 0x08, [2, -2], 4, false, "IDX dimension 1 is negative (-2)" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Load_MalformedInputs_IsRefusedNamingTheFileWithoutAllocatingTheClaim(string why, byte type, int[] dims, int dataBytes, bool gzip, string problem)
    {
        string x = _folder.Idx("x", type, dims, new byte[dataBytes], gzip);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [4], [0, 1, 0, 1]));

        var error = Refuse(spec, out long allocated);

        Assert.Equal("dataset.path", error.Field);
        Assert.StartsWith($"dataset.path: {x}: ", error.Message);
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), $"{why}: {error.Message}");
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(allocated < AllocationCeiling, $"{why}: allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0 }, "not an IDX file: magic starts 50 4b")]
    [InlineData(new byte[] { 0, 0, 0x08 }, "truncated: the IDX magic number needs 4 bytes but only 3 remain")]
    [InlineData(new byte[] { 0, 0, 0x08, 3, 0, 0, 0, 1 }, "the 3 IDX dimensions needs 12 bytes but only 4 remain")]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0, 1, 2, 3 }, "the IDX magic number needs 4 bytes but only 0 remain")]
    public void Load_BrokenHeader_IsRefusedNamingTheFile(byte[] content, string problem)
    {
        string x = Path.Combine(_folder.Path, "x");
        File.WriteAllBytes(x, content);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [1], [0]));

        var error = Refuse(spec, out _);

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_GzipBombOfBytesOverTheValuesCap_IsRefusedFromItsHeaderBeforeDecompressing()
    {
        // 64 Mi + 1 real zero bytes compress to about 64 KB: a cap of 8 bytes per value for every type let the reader
        // inflate all of it (allocating over 64 MiB, twice with growth) before the value count refused it.
        string x = _folder.Idx("bomb", 0x08, [(int)DatasetProvider.MaxValues + 1], new byte[DatasetProvider.MaxValues + 1], gzip: true);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [1], [0]));

        var error = Refuse(spec, out long allocated);

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains($"IDX dims [{DatasetProvider.MaxValues + 1}] of UInt8 exceed the cap of {DatasetProvider.MaxValues} data bytes", error.Message);
        Assert.True(new FileInfo(x).Length < 1 << 20, "the bomb should be small on disk");
        Assert.True(allocated < AllocationCeiling, $"allocated {allocated} bytes");
    }

    private JobSpecException Refuse(DatasetSpec spec, out long allocated)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<JobSpecException>(() => _provider.Load(spec, LossNames.CrossEntropy));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return error;
    }
}
