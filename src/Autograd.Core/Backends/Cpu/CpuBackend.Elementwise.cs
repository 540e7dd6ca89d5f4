using System.Numerics;
using Autograd.Backends.Cpu.Kernels;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    /// <summary>Below this many elements an elementwise kernel runs on the calling thread only.</summary>
    private const int ElementwiseGrain = 32 * 1024;

    public void Unary(UnaryOp op, Storage x, Storage y, double alpha, double beta)
    {
        switch (x.DType)
        {
            case DType.Float32:
                {
                    var body = new UnaryBody<float> { Op = op, X = Cpu(x).Pointer<float>(), Y = Cpu(y).Pointer<float>(), Alpha = (float)alpha, Beta = (float)beta };
                    CpuParallel.ForRange(x.Length, ElementwiseGrain, ref body);
                    break;
                }

            case DType.Float64:
                {
                    var body = new UnaryBody<double> { Op = op, X = Cpu(x).Pointer<double>(), Y = Cpu(y).Pointer<double>(), Alpha = alpha, Beta = beta };
                    CpuParallel.ForRange(x.Length, ElementwiseGrain, ref body);
                    break;
                }

            default:
                throw new NotSupportedException($"{op} on a tensor of dtype {x.DType.TorchName()}; convert it with Float() first");
        }
    }

    public void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, double alpha, double beta)
    {
        switch (x.DType)
        {
            case DType.Float32:
                {
                    var body = new UnaryBackwardBody<float> { Op = op, X = Cpu(x).Pointer<float>(), Y = Cpu(y).Pointer<float>(), GY = Cpu(gy).Pointer<float>(), GX = Cpu(gx).Pointer<float>(), Alpha = (float)alpha, Beta = (float)beta };
                    CpuParallel.ForRange(x.Length, ElementwiseGrain, ref body);
                    break;
                }

            case DType.Float64:
                {
                    var body = new UnaryBackwardBody<double> { Op = op, X = Cpu(x).Pointer<double>(), Y = Cpu(y).Pointer<double>(), GY = Cpu(gy).Pointer<double>(), GX = Cpu(gx).Pointer<double>(), Alpha = alpha, Beta = beta };
                    CpuParallel.ForRange(x.Length, ElementwiseGrain, ref body);
                    break;
                }

            default:
                throw new NotSupportedException($"gradient of {op} for dtype {x.DType.TorchName()}");
        }
    }

    public void Binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        switch (y.DType)
        {
            case DType.Float32:
                BroadcastDriver.Run(op, Cpu(a).Pointer<float>(), aShape, Cpu(b).Pointer<float>(), bShape, Cpu(y).Pointer<float>(), yShape);
                break;
            case DType.Float64:
                BroadcastDriver.Run(op, Cpu(a).Pointer<double>(), aShape, Cpu(b).Pointer<double>(), bShape, Cpu(y).Pointer<double>(), yShape);
                break;
            default:
                BinaryOnIntegers(op, a, aShape, b, bShape, y, yShape);
                break;
        }
    }

    /// <summary>Integer tensors (labels, argmax results) only meet comparisons and simple arithmetic: run them in double.</summary>
    private void BinaryOnIntegers(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape)
    {
        var a64 = Allocate(DType.Float64, a.Length);
        var b64 = Allocate(DType.Float64, b.Length);
        var y64 = Allocate(DType.Float64, y.Length);
        try
        {
            Cast(a, a64);
            Cast(b, b64);
            BroadcastDriver.Run(op, Cpu(a64).Pointer<double>(), aShape, Cpu(b64).Pointer<double>(), bShape, Cpu(y64).Pointer<double>(), yShape);
            Cast(y64, y);
        }
        finally
        {
            a64.RemoveReference();
            b64.RemoveReference();
            y64.RemoveReference();
        }
    }

    private struct UnaryBody<T> : IParallelRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public UnaryOp Op;
        public T* X;
        public T* Y;
        public T Alpha;
        public T Beta;

        public readonly void Invoke(int start, int end) =>
            UnaryKernels.Forward(Op, new ReadOnlySpan<T>(X + start, end - start), new Span<T>(Y + start, end - start), Alpha, Beta);
    }

    private struct UnaryBackwardBody<T> : IParallelRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public UnaryOp Op;
        public T* X;
        public T* Y;
        public T* GY;
        public T* GX;
        public T Alpha;
        public T Beta;

        public readonly void Invoke(int start, int end)
        {
            int n = end - start;
            UnaryKernels.Backward(Op, new ReadOnlySpan<T>(X + start, n), new ReadOnlySpan<T>(Y + start, n), new ReadOnlySpan<T>(GY + start, n), new Span<T>(GX + start, n), Alpha, Beta);
        }
    }
}
