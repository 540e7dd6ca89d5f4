using Autograd.Backends;
using Autograd.Backends.Cpu;

namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>Turns off graph recording until the returned guard is disposed: <c>using (Tensor.NoGrad()) { ... }</c>.</summary>
    public static GradModeGuard NoGrad() => GradMode.Set(false);

    /// <summary>Re-seeds the default generator (torch.manual_seed).</summary>
    public static void ManualSeed(long seed) => Generator.Default.ManualSeed(seed);

    /// <summary>A tensor holding a copy of <paramref name="data"/>; shape defaults to [data.Length].</summary>
    public static Tensor From(float[] data, params int[] shape) => FromSpan<float>(data, DType.Float32, shape, false, null);

    public static Tensor From(float[] data, int[] shape, bool requiresGrad = false, Device? device = null) => FromSpan<float>(data, DType.Float32, shape, requiresGrad, device);

    public static Tensor From(float[] data, bool requiresGrad, Device? device = null) => FromSpan<float>(data, DType.Float32, [], requiresGrad, device);

    public static Tensor From(double[] data, params int[] shape) => FromSpan<double>(data, DType.Float64, shape, false, null);

    public static Tensor From(double[] data, int[] shape, bool requiresGrad = false, Device? device = null) => FromSpan<double>(data, DType.Float64, shape, requiresGrad, device);

    public static Tensor From(double[] data, bool requiresGrad, Device? device = null) => FromSpan<double>(data, DType.Float64, [], requiresGrad, device);

    public static Tensor From(long[] data, params int[] shape) => FromSpan<long>(data, DType.Int64, shape, false, null);

    public static Tensor From(long[] data, int[] shape, Device? device) => FromSpan<long>(data, DType.Int64, shape, false, device);

    /// <summary>A 2-D tensor from a rectangular array.</summary>
    public static Tensor From(float[,] data, bool requiresGrad = false) =>
        FromSpan<float>(Flatten2D(data), DType.Float32, [data.GetLength(0), data.GetLength(1)], requiresGrad, null);

    public static Tensor From(double[,] data, bool requiresGrad = false) =>
        FromSpan<double>(Flatten2D(data), DType.Float64, [data.GetLength(0), data.GetLength(1)], requiresGrad, null);

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    public static Tensor Zeros(params int[] shape) => Full(shape, 0, DType.Float32, null);

    public static Tensor Zeros(int[] shape, DType dtype, Device? device = null, bool requiresGrad = false) => Full(shape, 0, dtype, device, requiresGrad);

    public static Tensor Ones(params int[] shape) => Full(shape, 1, DType.Float32, null);

    public static Tensor Ones(int[] shape, DType dtype, Device? device = null, bool requiresGrad = false) => Full(shape, 1, dtype, device, requiresGrad);

    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var t = Empty(shape, dtype, device);
        t.Backend.Fill(t.Storage, value);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => Full(t._shape, 0, t.DType, t.Device);

    public static Tensor OnesLike(Tensor t) => Full(t._shape, 1, t.DType, t.Device);

    /// <summary>Standard normal samples (torch.randn).</summary>
    public static Tensor Randn(params int[] shape) => Random(shape, RandomKind.Normal, 0, 1, DType.Float32, null, null);

    public static Tensor Randn(int[] shape, DType dtype, Device? device = null, Generator? generator = null, bool requiresGrad = false) =>
        Random(shape, RandomKind.Normal, 0, 1, dtype, device, generator, requiresGrad);

    /// <summary>Uniform samples in [0, 1) (torch.rand).</summary>
    public static Tensor Rand(params int[] shape) => Random(shape, RandomKind.Uniform, 0, 1, DType.Float32, null, null);

    public static Tensor Rand(int[] shape, DType dtype, Device? device = null, Generator? generator = null, bool requiresGrad = false) =>
        Random(shape, RandomKind.Uniform, 0, 1, dtype, device, generator, requiresGrad);

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor Uniform(int[] shape, double low, double high, DType dtype = DType.Float32, Device? device = null, Generator? generator = null) =>
        Random(shape, RandomKind.Uniform, low, high, dtype, device, generator);

    /// <summary>Random integers in [0, high) as Int64 (torch.randint).</summary>
    public static Tensor RandInt(long high, int[] shape, Generator? generator = null)
    {
        generator ??= Generator.Default;
        var data = new long[ShapeNumel(shape, "RandInt")];
        for (int i = 0; i < data.Length; i++) data[i] = generator.NextInt64(high);
        return From(data, shape);
    }

    /// <summary>0, 1, ..., n-1 (torch.arange).</summary>
    public static Tensor Arange(int n, DType dtype = DType.Float32, Device? device = null) => Arange(0, n, 1, dtype, device);

    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32, Device? device = null)
    {
        if (step == 0) throw new ArgumentException("Arange: step must be non-zero", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling((end - start) / step));
        var t = Empty([n], dtype, device ?? Device.Cpu);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = start + (i * step);
        t.Upload(values);
        return t;
    }

    /// <summary>The identity matrix.</summary>
    public static Tensor Eye(int n, DType dtype = DType.Float32, Device? device = null)
    {
        var values = new double[n * n];
        for (int i = 0; i < n; i++) values[(i * n) + i] = 1;
        var t = Empty([n, n], dtype, device);
        t.Upload(values);
        return t;
    }

    /// <summary>Uninitialised storage of the shape (every element is written before it is read).</summary>
    internal static Tensor Empty(int[] shape, DType dtype, Device? device = null)
    {
        int numel = ShapeNumel(shape, "Empty");
        var backend = Backends.BackendRegistry.For(device ?? Device.Cpu);
        return new Tensor(backend.Allocate(dtype, numel), (int[])shape.Clone());
    }

    internal static Tensor EmptyLike(Tensor t) => new(t.Backend.Allocate(t.DType, t.Numel), (int[])t._shape.Clone());

    internal static int ShapeNumel(ReadOnlySpan<int> shape, string op)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"{op}: negative dimension {d} in shape {ShapeString(shape)}");
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"{op}: shape {ShapeString(shape)} has more than {int.MaxValue} elements");
        }

        return (int)n;
    }

    private static Tensor Random(int[] shape, RandomKind kind, double a, double b, DType dtype, Device? device, Generator? generator, bool requiresGrad = false)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"random floats need a floating dtype, not {dtype.TorchName()}");
        var t = Empty(shape, dtype, device);
        t.Backend.FillRandom(t.Storage, kind, generator ?? Generator.Default, a, b);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    private static Tensor FromSpan<T>(ReadOnlySpan<T> data, DType dtype, int[] shape, bool requiresGrad, Device? device)
        where T : unmanaged
    {
        if (shape.Length == 0) shape = [data.Length];
        int numel = ShapeNumel(shape, "From");
        if (numel != data.Length)
            throw new ArgumentException($"From: {data.Length} values do not fill shape {ShapeString(shape)} ({numel} elements)");
        var t = Empty(shape, dtype, device);
        t.Backend.Upload(data, t.Storage);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Writes host values converted to this tensor's dtype.</summary>
    private void Upload(double[] values)
    {
        switch (DType)
        {
            case DType.Float32:
                Backend.Upload<float>(Array.ConvertAll(values, v => (float)v), Storage);
                break;
            case DType.Float64:
                Backend.Upload<double>(values, Storage);
                break;
            default:
                Backend.Upload<long>(Array.ConvertAll(values, v => (long)v), Storage);
                break;
        }
    }

    private static T[] Flatten2D<T>(T[,] data)
    {
        var flat = new T[data.Length];
        int cols = data.GetLength(1);
        for (int i = 0; i < data.GetLength(0); i++)
            for (int j = 0; j < cols; j++) flat[(i * cols) + j] = data[i, j];
        return flat;
    }
}
