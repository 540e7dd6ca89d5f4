using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu.Kernels;

/// <summary>Forward and gradient of each <see cref="UnaryOp"/> over contiguous spans.</summary>
internal static class UnaryKernels
{
    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double GeluTanhCoefficient = 0.044715;

    public static void Forward<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Affine:
                if (alpha == T.One) TensorPrimitives.Add(x, beta, y);
                else if (beta == T.Zero) TensorPrimitives.Multiply(x, alpha, y);
                else
                {
                    TensorPrimitives.Multiply(x, alpha, y);
                    TensorPrimitives.Add(y, beta, y);
                }

                break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Relu: TensorPrimitives.Max(x, T.Zero, y); break;
            case UnaryOp.PowScalar: TensorPrimitives.Pow(x, alpha, y); break;
            case UnaryOp.ScalarPow: TensorPrimitives.Pow(alpha, x, y); break;
            case UnaryOp.ScalarDiv: TensorPrimitives.Divide(alpha, x, y); break;
            default:
                for (int i = 0; i < x.Length; i++) y[i] = Scalar(op, x[i], alpha, beta);
                break;
        }
    }

    /// <summary>gx = dy/dx * gy, given x and the forward output y.</summary>
    public static void Backward<T>(UnaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> gy, Span<T> gx, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Affine: TensorPrimitives.Multiply(gy, alpha, gx); break;
            case UnaryOp.Exp: TensorPrimitives.Multiply(gy, y, gx); break;
            case UnaryOp.Log: TensorPrimitives.Divide(gy, x, gx); break;
            case UnaryOp.Relu: ReluBackward(y, gy, gx); break;
            default:
                for (int i = 0; i < x.Length; i++) gx[i] = gy[i] * Derivative(op, x[i], y[i], alpha, beta);
                break;
        }
    }

    private static T Scalar<T>(UnaryOp op, T v, T alpha, T beta)
        where T : IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.LeakyRelu: return v > T.Zero ? v : v * alpha;
            case UnaryOp.Gelu:
                {
                    double d = double.CreateTruncating(v);
                    return T.CreateTruncating(d * SpecialFunctions.Phi(d));
                }

            case UnaryOp.GeluTanh:
                {
                    double d = double.CreateTruncating(v);
                    double inner = SqrtTwoOverPi * (d + (GeluTanhCoefficient * d * d * d));
                    return T.CreateTruncating(0.5 * d * (1 + Math.Tanh(inner)));
                }

            // min(max(v, lo), hi) as PyTorch: with lo > hi every element becomes hi. NaN fails every comparison and
            // passes through, as IEEE and PyTorch's clamp say.
            case UnaryOp.Clamp:
                {
                    var low = v < alpha ? alpha : v;
                    return low > beta ? beta : low;
                }

            // PyTorch 1.13's sign (and sgn, abs's derivative) gives 0 for NaN.
            case UnaryOp.Sign: return v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "no scalar form");
        }
    }

    private static T Derivative<T>(UnaryOp op, T x, T y, T alpha, T beta)
        where T : IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Sqrt: return T.CreateTruncating(0.5) / y;
            // sgn(x) as PyTorch 1.13: 0 at 0 and at NaN.
            case UnaryOp.Abs: return x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;
            case UnaryOp.Tanh: return T.One - (y * y);
            case UnaryOp.Sigmoid: return y * (T.One - y);
            case UnaryOp.LeakyRelu: return x > T.Zero ? T.One : alpha;
            case UnaryOp.Gelu:
                {
                    double d = double.CreateTruncating(x);
                    return T.CreateTruncating(SpecialFunctions.Phi(d) + (d * SpecialFunctions.PhiDensity(d)));
                }

            case UnaryOp.GeluTanh:
                {
                    double d = double.CreateTruncating(x);
                    double inner = SqrtTwoOverPi * (d + (GeluTanhCoefficient * d * d * d));
                    double t = Math.Tanh(inner);
                    double dInner = SqrtTwoOverPi * (1 + (3 * GeluTanhCoefficient * d * d));
                    return T.CreateTruncating((0.5 * (1 + t)) + (0.5 * d * (1 - (t * t)) * dInner));
                }

            // PyTorch passes the gradient where min <= x <= max (the bounds included).
            case UnaryOp.Clamp: return x >= alpha && x <= beta ? T.One : T.Zero;
            case UnaryOp.PowScalar: return alpha == T.Zero ? T.Zero : alpha * T.Pow(x, alpha - T.One);
            // d/dx alpha^x = alpha^x ln(alpha), taken as 0 for alpha == 0 and x >= 0 (PyTorch's convention).
            case UnaryOp.ScalarPow: return alpha == T.Zero && x >= T.Zero ? T.Zero : y * T.Log(alpha);
            case UnaryOp.ScalarDiv: return -y / x;
            case UnaryOp.Sign: return T.Zero;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "no derivative form");
        }
    }

    /// <summary>ReLU's gradient passes where the output is positive (PyTorch's threshold_backward on the result).</summary>
    private static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> gy, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vy = new Vector<T>(y[i..]);
                var vg = new Vector<T>(gy[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(vy, Vector<T>.Zero), vg, Vector<T>.Zero).CopyTo(gx[i..]);
            }
        }

        for (; i < y.Length; i++) gx[i] = y[i] > T.Zero ? gy[i] : T.Zero;
    }
}
