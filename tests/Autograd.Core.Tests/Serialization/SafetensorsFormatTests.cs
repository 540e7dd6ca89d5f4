using System.Buffers.Binary;
using System.Text;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Tests.Serialization;

public class SafetensorsFormatTests
{
    private const string FixtureName = "torch_reference.safetensors";

    // ---- files built byte by byte from the specification ----

    /// <summary>8-byte little-endian header length, the header, then the buffer.</summary>
    private static byte[] SpecFile(string header, params byte[] buffer)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        buffer.CopyTo(file, 8 + json.Length);
        return file;
    }

    [Fact]
    public void Read_HandWrittenSpecFile_DecodesTensorsAndMetadata()
    {
        byte[] file =
        [
            // N = 80, little-endian u64
            0x50, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes(
                """{"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"""
                + " "), // 79 bytes of JSON + 1 space of padding = 80
            0x00, 0x00, 0x80, 0x3F, // 1.0f little-endian
            0x00, 0x00, 0x00, 0xC0, // -2.0f
        ];

        var (tensors, metadata) = SafetensorsFormat.Read(new MemoryStream(file));

        var x = Assert.Single(tensors);
        Assert.Equal("x", x.Name);
        Assert.Equal("F32", x.DType);
        Assert.Equal([2L], x.Shape);
        Assert.Equal([1.0f, -2.0f], x.ToFloat32());
        Assert.Equal("v", Assert.Single(metadata).Value);
    }

    [Fact]
    public void Write_TwoDTypes_ProducesSpecBytesWithWiderDTypeFirstAndPadding()
    {
        var entries = new[]
        {
            new SafetensorEntry("a", "U8", [3], new byte[] { 1, 2, 3 }),
            SafetensorEntry.FromInt64("b", [1], [-2L]),
        };
        var stream = new MemoryStream();

        SafetensorsFormat.Write(stream, entries);

        // I64 sorts before U8 (descending alignment) whatever the names, so "b" starts the buffer
        // 8-aligned; the 107-byte JSON is padded with five spaces to 112.
        byte[] expected = SpecFile(
            """{"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}""" + new string(' ', 5),
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3);
        Assert.Equal(112, BinaryPrimitives.ReadInt64LittleEndian(expected));
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void WriteThenRead_EveryByteSizedDType_RoundTripsShapesBytesAndMetadata()
    {
        var rng = new Random(1234);
        var entries = SafetensorsDType.All.Select((dtype, i) =>
        {
            long[] shape = i % 3 == 0 ? [] : i % 3 == 1 ? [2, 3] : [0, 5];
            long count = shape.Aggregate(1L, (n, d) => n * d);
            var data = new byte[count * SafetensorsDType.SizeOf(dtype)];
            rng.NextBytes(data);
            return new SafetensorEntry($"t{i}.{dtype.ToLowerInvariant()}", dtype, shape, data);
        }).ToList();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["unicode é+<>"] = "line\nbreak \"q\"" };
        var stream = new MemoryStream();

        SafetensorsFormat.Write(stream, entries, metadata);
        stream.Position = 0;
        var (read, readMetadata) = SafetensorsFormat.Read(stream);

        Assert.Equal(entries.Count, read.Count);
        foreach (var e in entries)
        {
            var r = Assert.Single(read, x => x.Name == e.Name);
            Assert.Equal(e.DType, r.DType);
            Assert.Equal(e.Shape, r.Shape);
            Assert.Equal(e.Data.ToArray(), r.Data.ToArray());
        }
        Assert.Equal(metadata.OrderBy(kv => kv.Key), readMetadata.OrderBy(kv => kv.Key));
        Assert.Equal(0, (stream.Length - read.Sum(t => t.Data.Length)) % 8);
    }

    [Fact]
    public void TypedHelpers_Float32Float64Int64_RoundTripAndCheckDType()
    {
        float[] f = [1.5f, -0.1f, float.MaxValue, float.NaN];
        double[] d = [Math.PI, -0.0];
        long[] l = [long.MinValue, 7];

        Assert.Equal(f, SafetensorEntry.FromFloat32("f", [4], f).ToFloat32());
        Assert.Equal(d, SafetensorEntry.FromFloat64("d", [2], d).ToFloat64());
        Assert.Equal(l, SafetensorEntry.FromInt64("l", [2], l).ToInt64());
        Assert.Equal([0x00, 0x00, 0xC0, 0x3F], SafetensorEntry.FromFloat32("f", [1], [1.5f]).Data.ToArray());
        Assert.Throws<InvalidOperationException>(() => SafetensorEntry.FromInt64("l", [2], l).ToFloat32());
    }

    [Fact]
    public void WriteThenRead_FilePath_ReplacesExistingFileAndLeavesNoTemporaries()
    {
        string dir = Directory.CreateTempSubdirectory("safetensors-test-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            File.WriteAllText(path, "old contents that are not safetensors");

            SafetensorsFormat.Write(path, [SafetensorEntry.FromFloat32("w", [2], [3f, 4f])], new Dictionary<string, string> { ["a"] = "b" });
            var (tensors, metadata) = SafetensorsFormat.Read(path);

            Assert.Equal([3f, 4f], Assert.Single(tensors).ToFloat32());
            Assert.Equal("b", metadata["a"]);
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("__metadata__", "F32", 4)]
    [InlineData("x", "F128", 4)]
    [InlineData("x", "F4", 4)]
    [InlineData("x", "F32", 3)]
    public void Write_InvalidEntry_ThrowsArgumentException(string name, string dtype, int bytes)
    {
        var entry = new SafetensorEntry(name, dtype, [1], new byte[bytes]);
        Assert.Throws<ArgumentException>(() => SafetensorsFormat.Write(new MemoryStream(), [entry]));
    }

    [Fact]
    public void Write_DuplicateNames_ThrowsArgumentException()
    {
        var a = SafetensorEntry.FromFloat32("w", [1], [1f]);
        var ex = Assert.Throws<ArgumentException>(() => SafetensorsFormat.Write(new MemoryStream(), [a, a with { }]));
        Assert.Contains("'w'", ex.Message);
    }

    // ---- a file written by PyTorch (see Fixtures/make_safetensors_fixture.py) ----

    [Fact]
    public void Read_TorchFixture_DecodesEveryDType()
    {
        var (tensors, metadata) = SafetensorsFormat.Read(FixturePath(FixtureName));
        SafetensorEntry T(string name) => Assert.Single(tensors, t => t.Name == name);

        Assert.Equal(12, tensors.Count);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "fixture" }, metadata);
        Assert.Equal([2L, 3L], T("weight").Shape);
        Assert.Equal([0f, 1.5f, -2f, 3.25f, 0.1f, -1e-7f], T("weight").ToFloat32());
        Assert.Equal([0.5f, -0.25f, 100f], T("bias").ToFloat32());
        Assert.Empty(T("step").Shape);
        Assert.Equal([42L], T("step").ToInt64());
        Assert.Equal([1.0 / 3.0, -2.5], T("double").ToFloat64());
        Assert.Equal("F16", T("half").DType);
        Assert.Equal([0x00, 0x3C, 0x00, 0xB8], T("half").Data.ToArray());   // 1.0, -0.5 in IEEE half
        Assert.Equal("BF16", T("bf").DType);
        Assert.Equal([0x80, 0x3F, 0x40, 0x40], T("bf").Data.ToArray());     // 1.0, 3.0 in bfloat16
        Assert.Equal([1, 0, 1], T("mask").Data.ToArray());
        Assert.Equal([0, 127, 128, 255], T("pixels").Data.ToArray());
        Assert.Equal([0x80, 0x7F], T("int8").Data.ToArray());
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00], T("i32").Data.ToArray());
        Assert.Equal([0xFE, 0xFF], T("i16").Data.ToArray());
        Assert.Equal([0L, 4L], T("empty").Shape);
        Assert.Equal(0, T("empty").Data.Length);
    }

    [Fact]
    public void Write_TorchFixtureContents_ReproducesFixtureBytes()
    {
        string path = FixturePath(FixtureName);
        var (tensors, metadata) = SafetensorsFormat.Read(path);
        var stream = new MemoryStream();

        // Reverse the input order so that the writer's own ordering is what is tested.
        SafetensorsFormat.Write(stream, tensors.Reverse(), metadata);

        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
    }

    // ---- hostile files ----

    public static TheoryData<string, byte[], string> MalformedFiles()
    {
        const string ok = """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        byte[] eight = new byte[8];
        byte[] tooLong = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 100_000_001);
        byte[] longerThanFile = SpecFile(ok, eight);
        BinaryPrimitives.WriteUInt64LittleEndian(longerThanFile, 5000);
        byte[] badUtf8 = SpecFile("{\"x\":1}", eight);
        badUtf8[10] = 0xFF;
        return new()
        {
            { "empty file", [], "truncated" },
            { "five bytes", [1, 2, 3, 4, 5], "truncated" },
            { "header over 100 MB", tooLong, "exceeds the 100000000-byte limit" },
            { "header longer than file", longerThanFile, "truncated" },
            { "invalid JSON", SpecFile("""{"x":{"dtype":"F32",""", eight), "not valid JSON" },
            { "not an object", SpecFile("[1,2]", eight), "does not start with '{'" },
            { "invalid UTF-8", badUtf8, "not valid UTF-8" },
            { "unknown dtype", SpecFile("""{"x":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}""", eight), "unknown or unsupported dtype 'F128'" },
            { "shape does not match span", SpecFile("""{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", eight), "needs 12 bytes but data_offsets [0, 8] span 8" },
            { "overlapping offsets", SpecFile("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight), "overlaps tensor 'x'" },
            { "gap in buffer", SpecFile("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight), "gap of 4 bytes" },
            { "buffer not covered", SpecFile(ok, new byte[12]), "4 bytes after the last tensor are not covered" },
            { "buffer truncated", SpecFile(ok, new byte[6]), "truncated" },
            { "duplicate names", SpecFile("""{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"x":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}""", eight), "duplicate name 'x'" },
            { "shape overflows", SpecFile("""{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", eight), "overflows" },
            { "negative dim", SpecFile("""{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", eight), "shape[0] = -2 is not a non-negative" },
            { "fractional dim", SpecFile("""{"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}""", eight), "shape[0] = 2.0" },
            { "three offsets", SpecFile("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}""", eight), "not 2" },
            { "end before begin", SpecFile("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", eight), "end before they begin" },
            { "missing field", SpecFile("""{"x":{"dtype":"F32","shape":[2]}}""", eight), "missing data_offsets" },
            { "unexpected field", SpecFile("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"offsets":[0,8]}}""", eight), "unexpected field 'offsets'" },
            { "metadata not strings", SpecFile("""{"__metadata__":{"epoch":3},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", eight), "'epoch' is a JSON Number" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Read_MalformedFile_ThrowsInvalidDataNamingSourceAndProblem(string description, byte[] file, string problem)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(new MemoryStream(file), "case.safetensors"));
        Assert.StartsWith("case.safetensors: ", ex.Message);
        Assert.True(ex.Message.Contains(problem, StringComparison.Ordinal), $"{description}: message was: {ex.Message}");

        // The same bytes through a stream that cannot tell its length must fail just as clearly.
        var ex2 = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(new NonSeekableStream(file), "case.safetensors"));
        Assert.StartsWith("case.safetensors: ", ex2.Message);
    }

    [Fact]
    public void Read_HugeDeclaredTensorOnUnknownLengthStream_FailsWithoutAllocatingTheClaim()
    {
        // Claims a 1.6 GB tensor; 16 bytes follow.
        byte[] file = SpecFile("""{"x":{"dtype":"F32","shape":[400000000],"data_offsets":[0,1600000000]}}""", new byte[16]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(new NonSeekableStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated", ex.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_HugeDeclaredHeaderOnUnknownLengthStream_FailsWithoutAllocatingTheClaim()
    {
        byte[] file = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 99_000_000);
        file[8] = (byte)'{';

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(new NonSeekableStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated: the JSON header needs 99000000 bytes", ex.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_HugeDeclaredTensorInSeekableFile_FailsBeforeReadingAnyTensor()
    {
        byte[] file = SpecFile("""{"x":{"dtype":"F32","shape":[400000000],"data_offsets":[0,1600000000]}}""", new byte[16]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(new MemoryStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("the header's tensors need 1600000000 bytes but only 16 remain", ex.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    private static string FixturePath(string name)
    {
        // The fixture sits in the test project's Fixtures folder; walk up from the output folder
        // (it is also found when the project copies it next to the test assembly).
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "Fixtures", name),
                         Path.Combine(dir.FullName, "tests", "Autograd.Core.Tests", "Fixtures", name) })
            {
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new FileNotFoundException($"Fixture {name} not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Like a network or gzip stream: no length, no seeking.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
