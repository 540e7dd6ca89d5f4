using System.Buffers.Binary;
using System.IO.Compression;
using Autograd.Data;
using Xunit;

namespace Autograd.Tests.Data;

public class IdxReaderTests
{
    /// <summary>An IDX file built from the format's description: 00 00 type rank, big-endian
    /// int32 dims, then the element bytes as given.</summary>
    internal static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var file = new byte[4 + 4 * dims.Length + data.Length];
        file[2] = type;
        file[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(file, 4 + 4 * dims.Length);
        return file;
    }

    internal static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return output.ToArray();
    }

    private static readonly byte[] SixBytes = [0, 1, 2, 253, 254, 255];

    [Fact]
    public void Read_RawUByte_ReturnsDimsAndBytes()
    {
        var idx = IdxReader.Read(new MemoryStream(Idx(0x08, [2, 3], SixBytes)));

        Assert.Equal(IdxDataType.UInt8, idx.DataType);
        Assert.Equal([2, 3], idx.Dims);
        Assert.Equal(SixBytes, idx.AsBytes());
        Assert.Equal(6, idx.Count);
    }

    [Fact]
    public void Read_GzipStream_DetectedByMagicBytes()
    {
        var idx = IdxReader.Read(new MemoryStream(Gzip(Idx(0x08, [6], SixBytes))));

        Assert.Equal([6], idx.Dims);
        Assert.Equal(SixBytes, idx.AsBytes());
    }

    [Fact]
    public void Read_FilesNamedAgainstTheirContent_DetectsGzipByMagicNotByName()
    {
        string dir = Directory.CreateTempSubdirectory("idx-test-").FullName;
        try
        {
            string gzipNamedRaw = Path.Combine(dir, "raw.gz");
            string rawNamedGzip = Path.Combine(dir, "gzipped-idx1-ubyte");
            File.WriteAllBytes(gzipNamedRaw, Idx(0x08, [6], SixBytes));
            File.WriteAllBytes(rawNamedGzip, Gzip(Idx(0x08, [6], SixBytes)));

            Assert.Equal(SixBytes, IdxReader.Read(gzipNamedRaw).AsBytes());
            Assert.Equal(SixBytes, IdxReader.Read(rawNamedGzip).AsBytes());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Read_RawFromUnseekableStream_ReplaysTheSniffedBytes()
    {
        // A GZipStream over gzipped IDX yields the raw IDX bytes from a stream that cannot seek.
        using var unseekable = new GZipStream(new MemoryStream(Gzip(Idx(0x08, [3, 2], SixBytes))), CompressionMode.Decompress);

        var idx = IdxReader.Read(unseekable);

        Assert.Equal([3, 2], idx.Dims);
        Assert.Equal(SixBytes, idx.AsBytes());
    }

    [Fact]
    public void Read_MultiByteTypes_DecodesBigEndian()
    {
        var f32 = IdxReader.Read(new MemoryStream(Idx(0x0D, [2], [0x3F, 0xC0, 0x00, 0x00, 0xC1, 0x20, 0x00, 0x00])));
        var f64 = IdxReader.Read(new MemoryStream(Idx(0x0E, [1], [0x3F, 0xF8, 0, 0, 0, 0, 0, 0])));
        var i32 = IdxReader.Read(new MemoryStream(Idx(0x0C, [2], [0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFE])));
        var i16 = IdxReader.Read(new MemoryStream(Idx(0x0B, [2], [0x01, 0x02, 0x80, 0x00])));
        var i8 = IdxReader.Read(new MemoryStream(Idx(0x09, [2], [0x7F, 0x80])));

        Assert.Equal([1.5f, -10f], (float[])f32.Data);
        Assert.Equal([1.5], (double[])f64.Data);
        Assert.Equal([65536, -2], (int[])i32.Data);
        Assert.Equal([(short)0x0102, short.MinValue], (short[])i16.Data);
        Assert.Equal([(sbyte)127, (sbyte)-128], (sbyte[])i8.Data);
        Assert.Throws<InvalidOperationException>(() => f32.AsBytes());
    }

    [Fact]
    public void Read_ZeroSizedDim_ReturnsEmptyArray()
    {
        var idx = IdxReader.Read(new MemoryStream(Idx(0x08, [0, 28, 28], [])));

        Assert.Equal([0, 28, 28], idx.Dims);
        Assert.Empty(idx.AsBytes());
    }

    public static TheoryData<string, byte[], string> MalformedFiles()
    {
        byte[] negative = Idx(0x08, [1, 2], [1, 2]);
        BinaryPrimitives.WriteInt32BigEndian(negative.AsSpan(8), -2);
        byte[] corruptGzip = Gzip(Idx(0x08, [6], SixBytes));
        Array.Fill(corruptGzip, (byte)0x55, 10, corruptGzip.Length - 10);
        return new()
        {
            { "empty", [], "truncated: the IDX magic number needs 4 bytes but only 0 remain" },
            { "not IDX magic", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0], "not an IDX file" },
            { "unknown type", Idx(0x0A, [1], [0]), "unknown IDX element type code 0x0a" },
            { "zero dims", [0, 0, 0x08, 0], "declares 0 dimensions" },
            { "dims truncated", [0, 0, 0x08, 3, 0, 0, 0, 1, 0, 0], "the 3 IDX dimensions needs 12 bytes but only 6 remain" },
            { "negative dim", negative, "dimension 1 is negative (-2)" },
            { "product overflows", Idx(0x0E, [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue], []), "exceed the cap" },
            { "data truncated", Idx(0x08, [2, 3], [1, 2, 3, 4]), "needs 6 bytes but only 4 remain" },
            { "trailing bytes", Idx(0x08, [2], [1, 2, 3]), "1 unexpected trailing bytes" },
            { "gzip with truncated data", Gzip(Idx(0x08, [2, 3], [1, 2, 3, 4])), "needs 6 bytes but only 4 remain" },
            { "corrupt gzip", corruptGzip, "corrupt gzip data" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedFile_ThrowsInvalidDataNamingSourceAndProblem(string description, byte[] file, string problem)
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file), "case.idx"));

        Assert.StartsWith("case.idx: ", ex.Message);
        Assert.True(ex.Message.Contains(problem, StringComparison.Ordinal), $"{description}: message was: {ex.Message}");
        // Errors of the IDX layer pass through the gzip layer unwrapped: the source is named once.
        Assert.Single(ex.Message.Split("case.idx:").Skip(1));
    }

    [Fact]
    public void Read_MalformedFileFromPath_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"idx-test-{Guid.NewGuid():N}-idx3-ubyte.gz");
        File.WriteAllBytes(path, Gzip(Idx(0x08, [2, 3], [1, 2, 3, 4])));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
            Assert.StartsWith(path + ": truncated", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_DataBeyondConfiguredCap_Rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() =>
            IdxReader.Read(new MemoryStream(Idx(0x0D, [2, 3], new byte[24])), "capped", maxDataBytes: 23));

        Assert.Contains("exceed the cap of 23 data bytes", ex.Message);
        Assert.Equal([2, 3], IdxReader.Read(new MemoryStream(Idx(0x0D, [2, 3], new byte[24])), "capped", maxDataBytes: 24).Dims);
    }

    [Fact]
    public void Read_HugeDeclaredSizeInGzip_FailsWithoutAllocatingTheClaim()
    {
        // 1000 x 1000 x 1000 bytes claimed (under the default 1 GiB cap), 10 bytes present, and
        // gzip cannot tell its length up front.
        byte[] file = Gzip(Idx(0x08, [1000, 1000, 1000], new byte[10]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("needs 1000000000 bytes but only 10 remain", ex.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_HugeDeclaredSizeInRawFile_FailsBeforeAllocating()
    {
        byte[] file = Idx(0x08, [1000, 1000, 1000], new byte[10]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("needs 1000000000 bytes but only 10 remain", ex.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void IdxArray_DataNotMatchingDims_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new IdxArray(IdxDataType.UInt8, [2, 2], new byte[3]));
        Assert.Throws<ArgumentException>(() => new IdxArray(IdxDataType.UInt8, [2], new float[2]));
    }
}
