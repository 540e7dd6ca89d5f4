using Xunit;
using static Autograd.Tests.Backends.Cpu.CpuBackendTestData;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>The strided-copy primitive and the index kernels against naive loops.</summary>
public sealed class CpuBackendCopyTests
{
    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 1, 2, 0 })] // permute
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 1, 0 })] // full reversal of the axes
    [InlineData(new[] { 5, 7 }, new[] { 1, 0 })]       // odd-sized transpose
    [InlineData(new[] { 1, 3, 1, 2 }, new[] { 3, 0, 2, 1 })]
    [InlineData(new[] { 3 }, new[] { 0 })]
    public void StridedCopy_Permutations_MatchNaiveLoop(int[] shape, int[] order)
    {
        var src = Ramp(Numel(shape));
        var srcStrides = Strides(shape);
        var outShape = order.Select(d => shape[d]).ToArray();
        var permutedStrides = order.Select(d => srcStrides[d]).ToArray();
        var dst = Backend.Allocate(DType.Float64, src.Length);
        Backend.StridedCopy(Doubles(src), 0, permutedStrides, dst, 0, Strides(outShape), outShape, accumulate: false);
        var actual = ReadDoubles(dst);
        for (int i = 0; i < actual.Length; i++)
        {
            var index = Unravel(i, outShape);
            int from = 0;
            for (int d = 0; d < index.Length; d++) from += index[d] * permutedStrides[d];
            Assert.Equal(src[from], actual[i]);
        }
    }

    [Fact]
    public void StridedCopy_OddStridesAndOffsets_IntoAndOutOfTheMiddleOfABuffer()
    {
        // read every third element starting at 2 in a 4x9 grid (a [4, 3] strided view), write it into column 1 of a
        // [4, 5] buffer with a destination stride of 5, then add it again (accumulate)
        var src = Ramp(36);
        var dst = Doubles(new double[20]);
        Backend.StridedCopy(Doubles(src), 2, [9, 3], dst, 1, [5, 1], [4, 3], accumulate: false);
        Backend.StridedCopy(Doubles(src), 2, [9, 3], dst, 1, [5, 1], [4, 3], accumulate: true);
        var actual = ReadDoubles(dst);
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 5; c++)
            {
                double expected = c is >= 1 and <= 3 ? 2 * src[2 + (r * 9) + ((c - 1) * 3)] : 0;
                Assert.Equal(expected, actual[(r * 5) + c]);
            }
        }
    }

    [Fact]
    public void StridedCopy_ZeroStride_BroadcastsAndAccumulateSumsRepeats()
    {
        // expand [3] -> [2, 3] with stride 0 along the new dim
        var dst = Backend.Allocate(DType.Float32, 6);
        Backend.StridedCopy(Floats(1, 2, 3), 0, [0, 1], dst, 0, [3, 1], [2, 3], accumulate: false);
        Assert.Equal([1f, 2, 3, 1, 2, 3], ReadFloats(dst));
        // the reverse: accumulate [2, 3] into [3] through a zero destination stride (a sum over dim 0)
        var sum = Floats(0, 0, 0);
        Backend.StridedCopy(Floats(1, 2, 3, 10, 20, 30), 0, [3, 1], sum, 0, [0, 1], [2, 3], accumulate: true);
        Assert.Equal([11f, 22f, 33f], ReadFloats(sum));
    }

    [Fact]
    public void StridedCopy_EmptyZeroDimAndInt64()
    {
        var dst = Doubles(7);
        Backend.StridedCopy(Doubles(1, 2), 0, [1], dst, 0, [1], [0], accumulate: false);
        Assert.Equal([7.0], ReadDoubles(dst));
        Backend.StridedCopy(Doubles(5, 6), 1, [], dst, 0, [], [], accumulate: false);
        Assert.Equal([6.0], ReadDoubles(dst));
        var longs = Backend.Allocate(DType.Int64, 4);
        Backend.StridedCopy(Longs(1, 2, 3, 4), 0, [1, 2], longs, 0, [2, 1], [2, 2], accumulate: false);
        Assert.Equal([1L, 3L, 2L, 4L], ReadLongs(longs));
    }

    [Fact]
    public void IndexSelectAndIndexAdd_RepeatedIndices()
    {
        // x [2, 3, 2] -> pick dim 1 at [2, 0, 2]
        var x = Ramp(12);
        var y = Backend.Allocate(DType.Float64, 12);
        Backend.IndexSelect(Doubles(x), 2, 3, 2, Longs(2, 0, 2), 3, y);
        Assert.Equal([4.5, 5.5, 0.5, 1.5, 4.5, 5.5, 10.5, 11.5, 6.5, 7.5, 10.5, 11.5], ReadDoubles(y));
        var gx = Doubles(new double[12]);
        Backend.IndexAdd(Doubles(Enumerable.Repeat(1.0, 12).ToArray()), 2, 3, 2, Longs(2, 0, 2), 3, gx);
        Assert.Equal([1.0, 1, 0, 0, 2, 2, 1, 1, 0, 0, 2, 2], ReadDoubles(gx));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Backend.IndexSelect(Doubles(x), 2, 3, 2, Longs(3), 1, y));
        Assert.Contains("out of bounds", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.IndexSelect(Doubles(x), 2, 3, 2, Longs(-1), 1, y));
    }

    [Fact]
    public void GatherAndScatterAdd_AreInverse()
    {
        // x [2, 3, 2]: for each (o, i) pick x[o, index[o, i], i]
        var x = Ramp(12);
        var index = Longs(2, 0, 1, 1);
        var y = Backend.Allocate(DType.Float64, 4);
        Backend.Gather(Doubles(x), 2, 3, 2, index, y);
        Assert.Equal([4.5, 1.5, 8.5, 9.5], ReadDoubles(y));
        var gx = Doubles(new double[12]);
        Backend.ScatterAdd(Doubles(1, 2, 3, 4), 2, 3, 2, index, gx);
        Assert.Equal([0.0, 2, 0, 0, 1, 0, 0, 0, 3, 4, 0, 0], ReadDoubles(gx));
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.Gather(Doubles(x), 2, 3, 2, Longs(0, 0, 0, 3), y));
    }

    [Fact]
    public void Cast_ConvertsEveryPair()
    {
        var f = Backend.Allocate(DType.Float32, 3);
        Backend.Cast(Doubles(1.5, -2.25, 1e40), f);
        Assert.Equal([1.5f, -2.25f, float.PositiveInfinity], ReadFloats(f));
        var l = Backend.Allocate(DType.Int64, 2);
        Backend.Cast(Floats(2.9f, -2.9f), l);
        Assert.Equal([2L, -2L], ReadLongs(l));
        var d = Backend.Allocate(DType.Float64, 2);
        Backend.Cast(Longs(3, -4), d);
        Assert.Equal([3.0, -4.0], ReadDoubles(d));
        var same = Backend.Allocate(DType.Float64, 2);
        Backend.Cast(Doubles(0.1, 0.2), same);
        Assert.Equal([0.1, 0.2], ReadDoubles(same));
    }

    [Fact]
    public void FillAndSumOfSquares()
    {
        var s = Backend.Allocate(DType.Float32, 5);
        Backend.Fill(s, 2);
        Assert.All(ReadFloats(s), v => Assert.Equal(2f, v));
        Assert.Equal(20.0, Backend.SumOfSquares(s));
        Assert.Equal(25.0, Backend.SumOfSquares(Doubles(3, 4)));
        Assert.Throws<NotSupportedException>(() => Backend.SumOfSquares(Longs(1)));
        Assert.Throws<NotSupportedException>(() => Backend.FillRandom(Longs(1), Autograd.Backends.RandomKind.Normal, new Generator(1), 0, 1));
    }
}
