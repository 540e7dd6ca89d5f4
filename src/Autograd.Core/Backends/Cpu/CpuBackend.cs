using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu;

/// <summary>
/// The managed SIMD backend: TensorPrimitives for contiguous elementwise work, hand-written FMA kernels for GEMM,
/// a persistent thread pool for the large kernels. One instance serves every CPU tensor.
/// </summary>
internal sealed unsafe partial class CpuBackend : IBackend
{
    public static readonly CpuBackend Instance = new();

    private CpuBackend()
    {
    }

    public Device Device => Device.Cpu;

    public Storage Allocate(DType dtype, int length) => new CpuStorage(dtype, length);

    public void Upload<T>(ReadOnlySpan<T> source, Storage destination)
        where T : unmanaged => UploadRange(source, destination, 0);

    public void Download<T>(Storage source, Span<T> destination)
        where T : unmanaged => DownloadRange(source, 0, destination);

    public void UploadRange<T>(ReadOnlySpan<T> source, Storage destination, int offset)
        where T : unmanaged => source.CopyTo(Cpu(destination).Span<T>().Slice(offset, source.Length));

    public void DownloadRange<T>(Storage source, int offset, Span<T> destination)
        where T : unmanaged => Cpu(source).Span<T>().Slice(offset, destination.Length).CopyTo(destination);

    public void Fill(Storage storage, double value)
    {
        var s = Cpu(storage);
        switch (s.DType)
        {
            case DType.Float32: s.Span<float>().Fill((float)value); break;
            case DType.Float64: s.Span<double>().Fill(value); break;
            default: s.Span<long>().Fill((long)value); break;
        }
    }

    public void Cast(Storage source, Storage destination)
    {
        var src = Cpu(source);
        var dst = Cpu(destination);
        switch ((src.DType, dst.DType))
        {
            case (DType.Float32, DType.Float64): ConvertLoop<float, double>(src.Span<float>(), dst.Span<double>()); break;
            case (DType.Float64, DType.Float32): ConvertLoop<double, float>(src.Span<double>(), dst.Span<float>()); break;
            case (DType.Int64, DType.Float32): ConvertLoop<long, float>(src.Span<long>(), dst.Span<float>()); break;
            case (DType.Int64, DType.Float64): ConvertLoop<long, double>(src.Span<long>(), dst.Span<double>()); break;
            case (DType.Float32, DType.Int64): ConvertLoop<float, long>(src.Span<float>(), dst.Span<long>()); break;
            case (DType.Float64, DType.Int64): ConvertLoop<double, long>(src.Span<double>(), dst.Span<long>()); break;
            default: StridedCopy(source, 0, [1], destination, 0, [1], [source.Length], false); break;
        }
    }

    public void FillRandom(Storage storage, RandomKind kind, Generator generator, double a, double b)
    {
        var s = Cpu(storage);
        if (s.DType == DType.Float32) FillRandom(s.Span<float>(), kind, generator, a, b);
        else if (s.DType == DType.Float64) FillRandom(s.Span<double>(), kind, generator, a, b);
        else throw new NotSupportedException($"random values of dtype {s.DType.TorchName()}");
    }

    public double SumOfSquares(Storage x)
    {
        var s = Cpu(x);
        return s.DType switch
        {
            DType.Float32 => TensorPrimitives.SumOfSquares(s.Span<float>()),
            DType.Float64 => TensorPrimitives.SumOfSquares(s.Span<double>()),
            _ => throw new NotSupportedException("SumOfSquares of an integer tensor"),
        };
    }

    internal static CpuStorage Cpu(Storage storage) => storage as CpuStorage
        ?? throw new InvalidOperationException($"expected a CPU tensor but got one on {storage.Device}");

    private static void ConvertLoop<TFrom, TTo>(ReadOnlySpan<TFrom> from, Span<TTo> to)
        where TFrom : INumberBase<TFrom>
        where TTo : INumberBase<TTo>
    {
        for (int i = 0; i < from.Length; i++) to[i] = TTo.CreateTruncating(from[i]);
    }

    private static void FillRandom<T>(Span<T> span, RandomKind kind, Generator generator, double a, double b)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < span.Length; i++)
        {
            double v = kind switch
            {
                RandomKind.Uniform => a + ((b - a) * generator.NextDouble()),
                RandomKind.Normal => a + (b * generator.NextNormal()),
                _ => generator.NextDouble() < a ? 1 : 0,
            };
            span[i] = T.CreateTruncating(v);
        }
    }
}
