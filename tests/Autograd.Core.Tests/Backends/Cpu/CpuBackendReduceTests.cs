using Autograd.Backends;
using Xunit;
using static Autograd.Tests.Backends.Cpu.CpuBackendTestData;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Reduce and ArgReduce over [outer, reduce, inner] views: the inner == 1 and inner > 1 paths, empties, NaN.</summary>
public sealed class CpuBackendReduceTests
{
    [Theory]
    [InlineData(1, 5, 1)]
    [InlineData(3, 4, 1)]
    [InlineData(1, 4, 3)]
    [InlineData(2, 3, 5)]   // the middle axis
    [InlineData(2, 1, 3)]
    [InlineData(4, 37, 9)]
    public void Reduce_MatchesNaiveLoop(int outer, int reduce, int inner)
    {
        var x = Enumerable.Range(0, outer * reduce * inner).Select(i => Math.Sin(i * 1.3) * 10).ToArray();
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min })
        {
            var y = Backend.Allocate(DType.Float64, outer * inner);
            Backend.Reduce(op, Doubles(x), outer, reduce, inner, y);
            var actual = ReadDoubles(y);
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    var slice = Enumerable.Range(0, reduce).Select(r => x[(((o * reduce) + r) * inner) + i]).ToArray();
                    double expected = op switch { ReduceOp.Sum => slice.Sum(), ReduceOp.Max => slice.Max(), _ => slice.Min() };
                    Assert.Equal(expected, actual[(o * inner) + i], 1e-12);
                }
            }
        }
    }

    [Fact]
    public void Reduce_EmptyAxis_SumIsZero_MaxThrows()
    {
        var y = Doubles(5, 5, 5);
        Backend.Reduce(ReduceOp.Sum, Doubles(), 1, 0, 3, y);
        Assert.Equal([0.0, 0, 0], ReadDoubles(y));
        Assert.Throws<ArgumentException>(() => Backend.Reduce(ReduceOp.Max, Doubles(), 1, 0, 3, y));
        Assert.Throws<ArgumentException>(() => Backend.ArgReduce(ReduceOp.Max, Doubles(), 1, 0, 3, null, Longs(0, 0, 0)));
        Assert.Throws<NotSupportedException>(() => Backend.Reduce(ReduceOp.Sum, Longs(1), 1, 1, 1, Longs(0)));
    }

    [Fact]
    public void Reduce_MaxMin_PropagateNaN_OnBothPaths()
    {
        double nan = double.NaN;
        // inner == 1: rows [1, nan, 3] and [4, 5, 6]
        var rows = Backend.Allocate(DType.Float64, 2);
        Backend.Reduce(ReduceOp.Max, Doubles(1, nan, 3, 4, 5, 6), 2, 3, 1, rows);
        var r = ReadDoubles(rows);
        Assert.True(double.IsNaN(r[0]));
        Assert.Equal(6.0, r[1]);
        // inner == 2: columns of [[1, 2], [nan, 0], [3, 4]]
        var cols = Backend.Allocate(DType.Float64, 2);
        Backend.Reduce(ReduceOp.Min, Doubles(1, 2, nan, 0, 3, 4), 1, 3, 2, cols);
        var c = ReadDoubles(cols);
        Assert.True(double.IsNaN(c[0]));
        Assert.Equal(0.0, c[1]);
    }

    [Fact]
    public void ArgReduce_FirstIndexOfTies_FirstNaNWins()
    {
        double nan = double.NaN;
        var values = Backend.Allocate(DType.Float64, 4);
        var indices = Backend.Allocate(DType.Int64, 4);
        // 4 rows (inner == 1): ties, a NaN after the max, a NaN first, two NaNs
        Backend.ArgReduce(ReduceOp.Max, Doubles(1, 3, 3, 7, nan, 2, nan, 9, 9, 1, nan, nan), 4, 3, 1, values, indices);
        Assert.Equal([1L, 1L, 0L, 1L], ReadLongs(indices));
        var v = ReadDoubles(values);
        Assert.Equal(3.0, v[0]);
        Assert.True(double.IsNaN(v[1]) && double.IsNaN(v[2]) && double.IsNaN(v[3]));
        // middle axis (inner == 2): min of columns [[2, 5], [1, 5], [1, nan]]
        var colIndices = Backend.Allocate(DType.Int64, 2);
        Backend.ArgReduce(ReduceOp.Min, Doubles(2, 5, 1, 5, 1, nan), 1, 3, 2, null, colIndices);
        Assert.Equal([1L, 2L], ReadLongs(colIndices));
        // int64 input goes through float64
        var fromLongs = Backend.Allocate(DType.Int64, 1);
        var longValues = Backend.Allocate(DType.Int64, 1);
        Backend.ArgReduce(ReduceOp.Max, Longs(4, 9, 9), 1, 3, 1, longValues, fromLongs);
        Assert.Equal([1L], ReadLongs(fromLongs));
        Assert.Equal([9L], ReadLongs(longValues));
    }
}
