using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Softmax(Storage x, int outer, int dim, int inner, Storage y, bool log)
    {
        switch (x.DType)
        {
            case DType.Float32: Softmax(Cpu(x).Pointer<float>(), outer, dim, inner, Cpu(y).Pointer<float>(), log); break;
            case DType.Float64: Softmax(Cpu(x).Pointer<double>(), outer, dim, inner, Cpu(y).Pointer<double>(), log); break;
            default: throw new NotSupportedException($"softmax of dtype {x.DType.TorchName()}");
        }
    }

    public void SoftmaxBackward(Storage y, Storage gy, int outer, int dim, int inner, Storage gx, bool log)
    {
        switch (y.DType)
        {
            case DType.Float32: SoftmaxBackward(Cpu(y).Pointer<float>(), Cpu(gy).Pointer<float>(), outer, dim, inner, Cpu(gx).Pointer<float>(), log); break;
            case DType.Float64: SoftmaxBackward(Cpu(y).Pointer<double>(), Cpu(gy).Pointer<double>(), outer, dim, inner, Cpu(gx).Pointer<double>(), log); break;
            default: throw new NotSupportedException($"softmax gradient of dtype {y.DType.TorchName()}");
        }
    }

    /// <summary>Max-shifted so large logits do not overflow; rows along the last axis take the vectorised path.</summary>
    private static void Softmax<T>(T* x, int outer, int dim, int inner, T* y, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var src = new ReadOnlySpan<T>(x + ((long)o * dim), dim);
                var dst = new Span<T>(y + ((long)o * dim), dim);
                T max = TensorPrimitives.Max(src);
                TensorPrimitives.Subtract(src, max, dst);
                if (log)
                {
                    // log_softmax = (x - max) - log(sum(exp(x - max))); exp into dst would lose the shifted values.
                    T sum = T.Zero;
                    foreach (var v in dst) sum += T.Exp(v);
                    TensorPrimitives.Subtract(dst, T.Log(sum), dst);
                }
                else
                {
                    TensorPrimitives.Exp(dst, dst);
                    T sum = TensorPrimitives.Sum(dst);
                    TensorPrimitives.Divide(dst, sum, dst);
                }
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long baseIndex = ((long)o * dim * inner) + i;
                T max = T.NegativeInfinity;
                for (int d = 0; d < dim; d++) max = T.Max(max, x[baseIndex + ((long)d * inner)]);
                if (T.IsNaN(max)) max = T.NaN;
                T sum = T.Zero;
                for (int d = 0; d < dim; d++) sum += T.Exp(x[baseIndex + ((long)d * inner)] - max);
                for (int d = 0; d < dim; d++)
                {
                    long at = baseIndex + ((long)d * inner);
                    y[at] = log ? x[at] - max - T.Log(sum) : T.Exp(x[at] - max) / sum;
                }
            }
        }
    }

    /// <summary>softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).</summary>
    private static void SoftmaxBackward<T>(T* y, T* gy, int outer, int dim, int inner, T* gx, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long baseIndex = ((long)o * dim * inner) + i;
                T sum = T.Zero;
                for (int d = 0; d < dim; d++)
                {
                    long at = baseIndex + ((long)d * inner);
                    sum += log ? gy[at] : gy[at] * y[at];
                }

                for (int d = 0; d < dim; d++)
                {
                    long at = baseIndex + ((long)d * inner);
                    gx[at] = log ? gy[at] - (T.Exp(y[at]) * sum) : y[at] * (gy[at] - sum);
                }
            }
        }
    }
}
