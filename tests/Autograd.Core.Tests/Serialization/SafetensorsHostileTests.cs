using System.Buffers.Binary;
using System.Text;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Tests.Serialization;

/// <summary>
/// Safetensors files whose header claims far more than the file holds (2^40 bytes and beyond): every one is refused
/// with an <see cref="InvalidDataException"/> naming the source and the problem, from a seekable file or a stream of
/// unknown length alike, and never by allocating what the header claims (the thread allocates under 64 MiB).
/// </summary>
public class SafetensorsHostileTests
{
    private const long TwoTo40 = 1L << 40;

    private const long AllocationCeiling = 64L << 20;

    public static TheoryData<string, byte[], string, string> HugeClaims()
    {
        byte[] sixteen = new byte[16];
        return new()
        {
            {
                "tensor of 2^40 bytes",
                File($$$"""{"x":{"dtype":"F32","shape":[{{{TwoTo40 / 4}}}],"data_offsets":[0,{{{TwoTo40}}}]}}""", sixteen),
                "the header's tensors need 1099511627776 bytes but only 16 remain",
                "declares 1099511627776 bytes, more than one array can hold"
            },
            {
                "header length 2^40",
                Prefixed((ulong)TwoTo40, sixteen),
                "header length 1099511627776 exceeds the 100000000-byte limit",
                "header length 1099511627776 exceeds the 100000000-byte limit"
            },
            {
                "header length 2^64 - 1",
                Prefixed(ulong.MaxValue, sixteen),
                "header length 18446744073709551615 exceeds",
                "header length 18446744073709551615 exceeds"
            },
            {
                "header longer than the file",
                Prefixed(90_000_000, Encoding.UTF8.GetBytes("{\"x\":")),
                "truncated: the JSON header needs 90000000 bytes but only 5 remain",
                "truncated: the JSON header needs 90000000 bytes but only 5 remain"
            },
            {
                "data_offsets 2^40 past the buffer",
                File($$$"""{"x":{"dtype":"F32","shape":[2],"data_offsets":[{{{TwoTo40}}},{{{TwoTo40 + 8}}}]}}""", sixteen),
                "gap of 1099511627776 bytes in the buffer before tensor 'x'",
                "gap of 1099511627776 bytes in the buffer before tensor 'x'"
            },
            {
                "overlapping offsets reaching 2^40",
                File($$$"""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[{{{(TwoTo40 - 4) / 4}}}],"data_offsets":[4,{{{TwoTo40}}}]}}""", sixteen),
                "tensor 'y' data [4, 1099511627776) overlaps tensor 'x' ending at 8",
                "tensor 'y' data [4, 1099511627776) overlaps tensor 'x' ending at 8"
            },
            {
                "shape product overflowing",
                File($$$"""{"x":{"dtype":"F64","shape":[{{{TwoTo40}}},{{{TwoTo40}}}],"data_offsets":[0,8]}}""", sixteen),
                "shape [1099511627776, 1099511627776] of F64 overflows a 64-bit byte count",
                "shape [1099511627776, 1099511627776] of F64 overflows a 64-bit byte count"
            },
            {
                "offset beyond a 64-bit integer",
                File("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}}""", sixteen),
                "data_offsets[1] = 18446744073709551616 is not a non-negative 64-bit integer",
                "data_offsets[1] = 18446744073709551616 is not a non-negative 64-bit integer"
            },
            {
                "unknown dtype",
                File("""{"x":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}}""", sixteen),
                "unknown or unsupported dtype 'Q4'",
                "unknown or unsupported dtype 'Q4'"
            },
            {
                "header that is not JSON",
                File("{not json at all}", sixteen),
                "header is not valid JSON",
                "header is not valid JSON"
            },
        };
    }

    [Theory]
    [MemberData(nameof(HugeClaims))]
    public void Read_HugeOrMalformedClaim_IsRefusedWithoutAllocatingIt(string description, byte[] file, string seekableProblem, string streamedProblem)
    {
        foreach (bool seekable in new[] { true, false })
        {
            Stream stream = seekable ? new MemoryStream(file) : new UnknownLengthStream(file);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<InvalidDataException>(() => SafetensorsFormat.Read(stream, "hostile.safetensors"));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            string problem = seekable ? seekableProblem : streamedProblem;
            Assert.StartsWith("hostile.safetensors: ", error.Message);
            Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), $"{description} (seekable: {seekable}): {error.Message}");
            Assert.DoesNotContain('\n', error.Message);
            Assert.True(allocated < AllocationCeiling, $"{description} (seekable: {seekable}): allocated {allocated} bytes");
        }
    }

    [Fact]
    public void Load_EmptyTensorWithA2To40Dimension_IsRefusedNamingTheTensor()
    {
        // Zero bytes of data are consistent with [2^40, 0]; the engine's int dimensions cannot hold it.
        byte[] file = File($$$"""{"x":{"dtype":"F32","shape":[{{{TwoTo40}}},0],"data_offsets":[0,0]}}""");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => TensorSafetensors.Load(new MemoryStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("tensor 'x' has dimension 1099511627776, larger than a tensor here can hold", error.Message);
        Assert.True(allocated < AllocationCeiling, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Load_TruncatedFileOnDisk_IsRefusedNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hostile-{Guid.NewGuid():N}.safetensors");
        byte[] whole = File("""{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[16]);
        System.IO.File.WriteAllBytes(path, whole[..^5]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => TensorSafetensors.Load(path));
            Assert.StartsWith($"{path}: truncated: the header's tensors need 16 bytes but only 11 remain", error.Message);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    private static byte[] File(string header, params byte[] buffer) => Prefixed((ulong)Encoding.UTF8.GetByteCount(header), [.. Encoding.UTF8.GetBytes(header), .. buffer]);

    private static byte[] Prefixed(ulong headerLength, byte[] rest)
    {
        var file = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength);
        rest.CopyTo(file, 8);
        return file;
    }

    /// <summary>A network or gzip stream: no length, no seeking, so the reader cannot check a claim before reading.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
