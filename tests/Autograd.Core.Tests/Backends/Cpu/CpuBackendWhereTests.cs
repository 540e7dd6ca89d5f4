using Xunit;
using static Autograd.Tests.Backends.Cpu.CpuBackendTestData;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Where: all three operands broadcast to the output.</summary>
public sealed class CpuBackendWhereTests
{
    [Fact]
    public void Where_BroadcastsConditionAndBothSides()
    {
        // condition [2, 1], a [3], b [] -> y [2, 3]
        var y = Backend.Allocate(DType.Float64, 6);
        Backend.Where(Doubles(1, 0), [2, 1], Doubles(1, 2, 3), [3], Doubles(-1), [], y, [2, 3]);
        Assert.Equal([1.0, 2, 3, -1, -1, -1], ReadDoubles(y));
        // a NaN on the side not picked does not leak
        Backend.Where(Doubles(0, 1, 0), [1, 3], Doubles(double.NaN), [], Doubles(5, 6, 7, 8, 9, 10), [2, 3], y, [2, 3]);
        var v = ReadDoubles(y);
        Assert.Equal([5.0, 8.0, 7.0, 10.0], new[] { v[0], v[3], v[2], v[5] });
        Assert.True(double.IsNaN(v[1]) && double.IsNaN(v[4]));
        var longs = Backend.Allocate(DType.Int64, 2);
        Backend.Where(Longs(0, 3), [2], Longs(1, 2), [2], Longs(7), [1], longs, [2]);
        Assert.Equal([7L, 2L], ReadLongs(longs));
    }
}
