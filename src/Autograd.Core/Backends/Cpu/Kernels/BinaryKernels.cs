using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu.Kernels;

/// <summary>Each <see cref="BinaryOp"/> over the three contiguous inner-loop forms the broadcast driver meets.</summary>
internal static class BinaryKernels
{
    public static void SpanSpan<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, b, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, b, y); break;
            default:
                for (int i = 0; i < y.Length; i++) y[i] = Scalar(op, a[i], b[i]);
                break;
        }
    }

    public static void SpanScalar<T>(BinaryOp op, ReadOnlySpan<T> a, T b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, b, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, b, y); break;
            default:
                for (int i = 0; i < y.Length; i++) y[i] = Scalar(op, a[i], b);
                break;
        }
    }

    public static void ScalarSpan<T>(BinaryOp op, T a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(b, a, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(b, a, y); break;
            default:
                for (int i = 0; i < y.Length; i++) y[i] = Scalar(op, a, b[i]);
                break;
        }
    }

    public static T Scalar<T>(BinaryOp op, T a, T b)
        where T : IFloatingPointIeee754<T> => op switch
        {
            BinaryOp.Add => a + b,
            BinaryOp.Sub => a - b,
            BinaryOp.Mul => a * b,
            BinaryOp.Div => a / b,
            BinaryOp.Pow => T.Pow(a, b),
            BinaryOp.Maximum => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : T.Max(a, b),
            BinaryOp.Minimum => T.IsNaN(a) || T.IsNaN(b) ? T.NaN : T.Min(a, b),
            BinaryOp.Eq => a == b ? T.One : T.Zero,
            BinaryOp.Ne => a != b ? T.One : T.Zero,
            BinaryOp.Lt => a < b ? T.One : T.Zero,
            BinaryOp.Le => a <= b ? T.One : T.Zero,
            BinaryOp.Gt => a > b ? T.One : T.Zero,
            BinaryOp.Ge => a >= b ? T.One : T.Zero,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
}
