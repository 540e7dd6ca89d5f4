using Autograd.Backends;
using Autograd.Backends.Cpu.Kernels;
using Xunit;
using static Autograd.Tests.Backends.Cpu.CpuBackendTestData;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Binary and unary kernels: the broadcast driver's coalescing cases against a naive index-by-index loop.</summary>
public sealed class CpuBackendElementwiseTests
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [5], [5] },                 // same shape: one contiguous span
        { [2, 3, 4], [2, 3, 4] },     // same shape, coalesced to one dim
        { [3, 4], [] },               // scalar operand (span, scalar)
        { [], [3, 4] },               // scalar on the left (scalar, span)
        { [3, 4], [4] },              // a row added to every row
        { [3, 4], [3, 1] },           // a column: strided inner loop with stride 0
        { [3, 1], [1, 4] },           // outer product: both broadcast
        { [2, 3, 4], [2, 1, 4] },     // middle broadcast
        { [2, 1, 4], [3, 1] },        // both broadcast in different dims
        { [1, 1, 1], [2, 1, 3] },     // all size-1 dims dropped
        { [1], [1] },
        { [4, 1, 5, 1], [1, 3, 1, 2] },
        { [2, 0, 3], [3] },           // empty
        { [7, 33], [7, 33] },         // beyond one vector width, with a tail
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Binary_Broadcast_MatchesNaiveLoop(int[] aShape, int[] bShape)
    {
        var yShape = Tensor.BroadcastShape(aShape, bShape, "test");
        var a = Ramp(Numel(aShape));
        var b = Ramp(Numel(bShape), offset: -3.25);
        foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div, BinaryOp.Pow, BinaryOp.Maximum, BinaryOp.Minimum, BinaryOp.Gt, BinaryOp.Eq })
        {
            var y = Backend.Allocate(DType.Float64, Numel(yShape));
            Backend.Binary(op, Doubles(a), aShape, Doubles(b), bShape, y, yShape);
            var actual = ReadDoubles(y);
            for (int i = 0; i < actual.Length; i++)
            {
                var index = Unravel(i, yShape);
                double expected = BinaryKernels.Scalar(op, a[Flat(index, aShape)], b[Flat(index, bShape)]);
                Assert.True(expected.Equals(actual[i]), $"{op} {Tensor.ShapeString(aShape)} {Tensor.ShapeString(bShape)} at {i}: expected {expected}, got {actual[i]}");
            }

            // float32 takes the same paths
            var yf = Backend.Allocate(DType.Float32, Numel(yShape));
            Backend.Binary(op, Floats(a.Select(v => (float)v).ToArray()), aShape, Floats(b.Select(v => (float)v).ToArray()), bShape, yf, yShape);
            var actualF = ReadFloats(yf);
            for (int i = 0; i < actualF.Length; i++)
            {
                var index = Unravel(i, yShape);
                float expected = BinaryKernels.Scalar(op, (float)a[Flat(index, aShape)], (float)b[Flat(index, bShape)]);
                Assert.True(expected.Equals(actualF[i]) || Math.Abs(expected - actualF[i]) <= 1e-6f * Math.Abs(expected), $"float32 {op} at {i}: expected {expected}, got {actualF[i]}");
            }
        }
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 3, 4 }, 1)]
    [InlineData(new[] { 3, 4 }, new[] { 4 }, 2)]
    [InlineData(new[] { 1, 1, 1 }, new[] { 1 }, 1)]
    [InlineData(new[] { 2, 1, 3, 4 }, new[] { 1, 4 }, 2)]
    [InlineData(new[] { 2, 5, 3 }, new[] { 5, 1 }, 3)]
    [InlineData(new[] { 4, 1, 5, 1 }, new[] { 1, 3, 1, 2 }, 4)]
    public void Coalesce_MergesDimsContiguousForEveryOperand(int[] aShape, int[] bShape, int expectedDims)
    {
        var yShape = Tensor.BroadcastShape(aShape, bShape, "test");
        int rank = yShape.Length;
        var shape = new int[rank];
        var sa = new long[rank];
        var sb = new long[rank];
        var sy = new long[rank];
        int dims = BroadcastDriver.Coalesce(aShape, bShape, yShape, shape, sa, sb, sy);
        Assert.Equal(expectedDims, dims);
        Assert.Equal(Numel(yShape), shape[..dims].Aggregate(1, (x, y) => x * y));
        Assert.Equal(1, sy[dims - 1]);
    }

    [Fact]
    public void Binary_Int64_RunsThroughDouble()
    {
        var y = Backend.Allocate(DType.Int64, 3);
        Backend.Binary(BinaryOp.Add, Longs(1, 2, 3), [3], Longs(10), [1], y, [3]);
        Assert.Equal([11L, 12L, 13L], ReadLongs(y));
        Backend.Binary(BinaryOp.Eq, Longs(1, 2, 3), [3], Longs(2), [], y, [3]);
        Assert.Equal([0L, 1L, 0L], ReadLongs(y));
    }

    [Fact]
    public void Binary_InPlace_OutputAliasesFirstOperand()
    {
        var a = Doubles(1, 2, 3, 4, 5, 6);
        Backend.Binary(BinaryOp.Add, a, [2, 3], Doubles(10, 20, 30), [3], a, [2, 3]);
        Assert.Equal([11.0, 22, 33, 14, 25, 36], ReadDoubles(a));
    }

    [Theory]
    [InlineData("Exp")]
    [InlineData("Tanh")]
    [InlineData("Sigmoid")]
    [InlineData("Relu")]
    [InlineData("Abs")]
    [InlineData("Gelu")]
    public void Unary_LargeInput_ParallelChunksMatchSingleElementResults(string name)
    {
        var op = Enum.Parse<UnaryOp>(name);
        // Past the parallel grain so several chunks run; every element must match the single-element result.
        const int n = 100_003;
        var x = Enumerable.Range(0, n).Select(i => (i % 2001 - 1000) / 250.0).ToArray();
        var y = Backend.Allocate(DType.Float64, n);
        Backend.Unary(op, Doubles(x), y, 0, 0);
        var all = ReadDoubles(y);
        foreach (int i in new[] { 0, 1, 4095, 32_767, 32_768, 65_536, n - 1 })
        {
            var one = Backend.Allocate(DType.Float64, 1);
            Backend.Unary(op, Doubles(x[i]), one, 0, 0);
            // the vectorised body and the scalar tail may differ in the last bits, never more
            double expected = ReadDoubles(one)[0];
            Assert.True(Math.Abs(expected - all[i]) <= 1e-15 * Math.Max(1, Math.Abs(expected)), $"element {i}: {all[i]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void Unary_OnInt64_ThrowsNotSupported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Backend.Unary(UnaryOp.Exp, Longs(1), Backend.Allocate(DType.Int64, 1), 0, 0));
        Assert.Contains("torch.int64", ex.Message);
    }

    [Fact]
    public void Erf_MatchesReferenceValues()
    {
        // math.erf in Python for 0.1, 0.5, 1, 2, 2.4, 2.6, 3, 5, -1.5
        double[] x = [0.1, 0.5, 1, 2, 2.4, 2.6, 3, 5, -1.5];
        double[] expected = [0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.999311486103355, 0.9997639655834707, 0.9999779095030014, 0.9999999999984626, -0.9661051464753108];
        for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], SpecialFunctions.Erf(x[i]), 1e-15);
        Assert.Equal(0.0, SpecialFunctions.Erf(0));
        Assert.Equal(1.0, SpecialFunctions.Erf(30));
        Assert.True(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
    }

    /// <summary>The flat index into an operand of <paramref name="shape"/> broadcast against an output index.</summary>
    private static int Flat(int[] yIndex, int[] shape)
    {
        int offset = yIndex.Length - shape.Length, flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = (flat * shape[d]) + (shape[d] == 1 ? 0 : yIndex[d + offset]);
        return flat;
    }
}
