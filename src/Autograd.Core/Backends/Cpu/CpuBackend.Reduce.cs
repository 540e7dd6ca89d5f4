using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: Reduce(op, Cpu(x).Pointer<float>(), outer, reduce, inner, Cpu(y).Pointer<float>()); break;
            case DType.Float64: Reduce(op, Cpu(x).Pointer<double>(), outer, reduce, inner, Cpu(y).Pointer<double>()); break;
            default: throw new NotSupportedException($"{op} reduction of dtype {x.DType.TorchName()}; convert it with Float() first");
        }
    }

    public void ArgReduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage? values, Storage indices)
    {
        if (reduce == 0) throw new ArgumentException($"arg{op.ToString().ToLowerInvariant()}: cannot reduce over an empty dimension");
        switch (x.DType)
        {
            case DType.Float32: ArgReduce(op, Cpu(x).Pointer<float>(), outer, reduce, inner, values is null ? null : Cpu(values).Pointer<float>(), Cpu(indices).Pointer<long>()); break;
            case DType.Float64: ArgReduce(op, Cpu(x).Pointer<double>(), outer, reduce, inner, values is null ? null : Cpu(values).Pointer<double>(), Cpu(indices).Pointer<long>()); break;
            default:
                {
                    var x64 = Allocate(DType.Float64, x.Length);
                    var v64 = values is null ? null : Allocate(DType.Float64, values.Length);
                    Cast(x, x64);
                    ArgReduce(op, x64, outer, reduce, inner, v64, indices);
                    if (v64 is not null) Cast(v64, values!);
                    x64.RemoveReference();
                    v64?.RemoveReference();
                    break;
                }
        }
    }

    private static void Reduce<T>(ReduceOp op, T* x, int outer, int reduce, int inner, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (reduce == 0)
        {
            if (op != ReduceOp.Sum) throw new ArgumentException($"{op.ToString().ToLowerInvariant()}: cannot reduce over an empty dimension (it has no identity)");
            new Span<T>(y, outer * inner).Clear();
            return;
        }

        for (int o = 0; o < outer; o++)
        {
            T* src = x + ((long)o * reduce * inner);
            if (inner == 1)
            {
                var row = new ReadOnlySpan<T>(src, reduce);
                y[o] = op switch
                {
                    ReduceOp.Sum => TensorPrimitives.Sum(row),
                    ReduceOp.Max => TensorPrimitives.Max(row),
                    _ => TensorPrimitives.Min(row),
                };
                continue;
            }

            var acc = new Span<T>(y + ((long)o * inner), inner);
            new ReadOnlySpan<T>(src, inner).CopyTo(acc);
            for (int r = 1; r < reduce; r++)
            {
                var next = new ReadOnlySpan<T>(src + ((long)r * inner), inner);
                switch (op)
                {
                    case ReduceOp.Sum: TensorPrimitives.Add(acc, next, acc); break;
                    case ReduceOp.Max: TensorPrimitives.Max(acc, next, acc); break;
                    default: TensorPrimitives.Min(acc, next, acc); break;
                }
            }
        }
    }

    /// <summary>First index of the max (min); a NaN counts as the extreme, as in PyTorch.</summary>
    private static void ArgReduce<T>(ReduceOp op, T* x, int outer, int reduce, int inner, T* values, long* indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool max = op == ReduceOp.Max;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                T* src = x + ((long)o * reduce * inner) + i;
                T best = src[0];
                int bestIndex = 0;
                for (int r = 1; r < reduce && !T.IsNaN(best); r++)
                {
                    T v = src[(long)r * inner];
                    if (T.IsNaN(v) || (max ? v > best : v < best))
                    {
                        best = v;
                        bestIndex = r;
                    }
                }

                long slot = ((long)o * inner) + i;
                indices[slot] = bestIndex;
                if (values != null) values[slot] = best;
            }
        }
    }
}
