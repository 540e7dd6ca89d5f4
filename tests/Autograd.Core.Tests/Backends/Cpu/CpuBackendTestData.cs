using Autograd.Backends;
using Autograd.Backends.Cpu;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Storages from host arrays and back, for the kernel tests.</summary>
internal static class CpuBackendTestData
{
    public static CpuBackend Backend => CpuBackend.Instance;

    public static Storage Doubles(params double[] values)
    {
        var s = Backend.Allocate(DType.Float64, values.Length);
        Backend.Upload<double>(values, s);
        return s;
    }

    public static Storage Floats(params float[] values)
    {
        var s = Backend.Allocate(DType.Float32, values.Length);
        Backend.Upload<float>(values, s);
        return s;
    }

    public static Storage Longs(params long[] values)
    {
        var s = Backend.Allocate(DType.Int64, values.Length);
        Backend.Upload<long>(values, s);
        return s;
    }

    public static double[] ReadDoubles(Storage s)
    {
        var result = new double[s.Length];
        Backend.Download<double>(s, result);
        return result;
    }

    public static float[] ReadFloats(Storage s)
    {
        var result = new float[s.Length];
        Backend.Download<float>(s, result);
        return result;
    }

    public static long[] ReadLongs(Storage s)
    {
        var result = new long[s.Length];
        Backend.Download<long>(s, result);
        return result;
    }

    /// <summary>Distinct, easily traced values: 0.5, 1.5, 2.5, ...</summary>
    public static double[] Ramp(int n, double offset = 0.5) => Enumerable.Range(0, n).Select(i => i + offset).ToArray();

    public static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Row-major strides of a shape.</summary>
    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }

    /// <summary>The multi-index of flat position <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }
}
