using ILGPU;
using Autograd.Backends.Cpu.Kernels;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// Unary and binary elementwise kernels. The op is a kernel argument switched on per element (uniform across a
/// launch, so GPUs do not diverge): one compiled kernel per dtype serves every op. Formulas and NaN rules are the
/// CPU backend's (Cpu/Kernels/UnaryKernels.cs, BinaryKernels.cs).
/// </summary>
internal static class ElementwiseKernels
{
    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double GeluTanhCoefficient = 0.044715;

    public static void Unary<T, TNum>(int n, int op, T alpha, T beta, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        for (int i = GridStride.Start; i < n; i += GridStride.Step) y[i] = Forward<T, TNum>((UnaryOp)op, x[i], alpha, beta);
    }

    public static void UnaryBackward<T, TNum>(int n, int op, T alpha, T beta, ArrayView<T> x, ArrayView<T> y, ArrayView<T> gy, ArrayView<T> gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            var kind = (UnaryOp)op;
            T g = gy[i];
            if (kind == UnaryOp.Relu) gx[i] = m.Lt(m.Zero, y[i]) ? g : m.Zero;
            else if (kind == UnaryOp.Affine) gx[i] = m.Mul(g, alpha);
            else if (kind == UnaryOp.Exp) gx[i] = m.Mul(g, y[i]);
            else if (kind == UnaryOp.Log) gx[i] = m.Div(g, x[i]);
            else gx[i] = m.Mul(g, Derivative<T, TNum>(kind, x[i], y[i], alpha, beta));
        }
    }

    /// <summary>y = op(a, b) with a and b read through the layout's broadcast strides (A, B); y is contiguous.</summary>
    public static void Binary<T, TNum>(int n, int op, StridedLayout layout, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            layout.Offsets(i, out int ia, out int ib, out _);
            y[i] = BinaryScalar<T, TNum>((BinaryOp)op, a[ia], b[ib]);
        }
    }

    /// <summary>y = condition != 0 ? a : b, the three read through strides A, B, C.</summary>
    public static void Where<T, TElem>(int n, StridedLayout layout, ArrayView<T> condition, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            layout.Offsets(i, out int ic, out int ia, out int ib);
            y[i] = default(TElem).ToDouble(condition[ic]) != 0 ? a[ia] : b[ib];
        }
    }

    private static T Forward<T, TNum>(UnaryOp op, T v, T alpha, T beta)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        switch (op)
        {
            case UnaryOp.Affine:
                if (m.Eq(alpha, m.One)) return m.Add(v, beta);
                if (m.Eq(beta, m.Zero)) return m.Mul(v, alpha);
                return m.Add(m.Mul(v, alpha), beta);
            case UnaryOp.Exp: return m.Exp(v);
            case UnaryOp.Log: return m.Log(v);
            case UnaryOp.Sqrt: return m.Sqrt(v);
            case UnaryOp.Abs: return m.Lt(v, m.Zero) ? m.Sub(m.Zero, v) : m.Add(v, m.Zero);
            case UnaryOp.Tanh: return m.Tanh(v);
            case UnaryOp.Sigmoid: return m.Div(m.One, m.Add(m.One, m.Exp(m.Sub(m.Zero, v))));
            case UnaryOp.Relu: return NumericOps.Max<T, TNum>(v, m.Zero);
            case UnaryOp.LeakyRelu: return m.Lt(m.Zero, v) ? v : m.Mul(v, alpha);
            case UnaryOp.Gelu:
                {
                    double d = m.ToDouble(v);
                    return m.FromDouble(d * SpecialFunctions.Phi(d));
                }

            case UnaryOp.GeluTanh:
                {
                    double d = m.ToDouble(v);
                    double inner = SqrtTwoOverPi * (d + (GeluTanhCoefficient * d * d * d));
                    return m.FromDouble(0.5 * d * (1 + Math.Tanh(inner)));
                }

            // min(max(v, lo), hi) as PyTorch (lo > hi gives hi); NaN fails every comparison and passes through.
            case UnaryOp.Clamp:
                {
                    T low = m.Lt(v, alpha) ? alpha : v;
                    return m.Lt(beta, low) ? beta : low;
                }

            case UnaryOp.PowScalar: return m.Pow(v, alpha);
            case UnaryOp.ScalarPow: return m.Pow(alpha, v);
            case UnaryOp.ScalarDiv: return m.Div(alpha, v);
            // PyTorch 1.13's sign gives 0 for NaN (it fails both comparisons). NaN is tested first, explicitly: ILGPU's
            // PTX backend may invert a nested float comparison into its ordered opposite, which NaN passes (seen on an
            // H200: sign(NaN) came out 1 there and 0 on the CPU accelerator).
            default: return m.IsNaN(v) ? m.Zero : m.Lt(m.Zero, v) ? m.One : m.Lt(v, m.Zero) ? m.Sub(m.Zero, m.One) : m.Zero;
        }
    }

    private static T Derivative<T, TNum>(UnaryOp op, T x, T y, T alpha, T beta)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        switch (op)
        {
            case UnaryOp.Sqrt: return m.Div(m.FromDouble(0.5), y);
            // sgn(x) as PyTorch 1.13: 0 at 0 and at NaN.
            case UnaryOp.Abs: return m.IsNaN(x) ? m.Zero : m.Lt(m.Zero, x) ? m.One : m.Lt(x, m.Zero) ? m.Sub(m.Zero, m.One) : m.Zero;
            case UnaryOp.Tanh: return m.Sub(m.One, m.Mul(y, y));
            case UnaryOp.Sigmoid: return m.Mul(y, m.Sub(m.One, y));
            case UnaryOp.LeakyRelu: return m.IsNaN(x) ? alpha : m.Lt(m.Zero, x) ? m.One : alpha;
            case UnaryOp.Gelu:
                {
                    double d = m.ToDouble(x);
                    return m.FromDouble(SpecialFunctions.Phi(d) + (d * SpecialFunctions.PhiDensity(d)));
                }

            case UnaryOp.GeluTanh:
                {
                    double d = m.ToDouble(x);
                    double inner = SqrtTwoOverPi * (d + (GeluTanhCoefficient * d * d * d));
                    double t = Math.Tanh(inner);
                    double dInner = SqrtTwoOverPi * (1 + (3 * GeluTanhCoefficient * d * d));
                    return m.FromDouble((0.5 * (1 + t)) + (0.5 * d * (1 - (t * t)) * dInner));
                }

            // PyTorch passes the gradient where min <= x <= max (bounds included).
            case UnaryOp.Clamp: return m.Le(alpha, x) && m.Le(x, beta) ? m.One : m.Zero;
            case UnaryOp.PowScalar: return m.Eq(alpha, m.Zero) ? m.Zero : m.Mul(alpha, m.Pow(x, m.Sub(alpha, m.One)));
            // alpha^x ln(alpha), taken as 0 for alpha == 0 and x >= 0 (PyTorch's convention).
            case UnaryOp.ScalarPow: return m.Eq(alpha, m.Zero) && m.Le(m.Zero, x) ? m.Zero : m.Mul(y, m.Log(alpha));
            case UnaryOp.ScalarDiv: return m.Div(m.Sub(m.Zero, y), x);
            default: return m.Zero;
        }
    }

    private static T BinaryScalar<T, TNum>(BinaryOp op, T a, T b)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        switch (op)
        {
            case BinaryOp.Add: return m.Add(a, b);
            case BinaryOp.Sub: return m.Sub(a, b);
            case BinaryOp.Mul: return m.Mul(a, b);
            case BinaryOp.Div: return m.Div(a, b);
            case BinaryOp.Pow: return m.Pow(a, b);
            case BinaryOp.Maximum: return NumericOps.Max<T, TNum>(a, b);
            case BinaryOp.Minimum: return NumericOps.Min<T, TNum>(a, b);
            case BinaryOp.Eq: return m.Eq(a, b) ? m.One : m.Zero;
            case BinaryOp.Ne: return m.Eq(a, b) ? m.Zero : m.One;
            case BinaryOp.Lt: return m.Lt(a, b) ? m.One : m.Zero;
            case BinaryOp.Le: return m.Le(a, b) ? m.One : m.Zero;
            case BinaryOp.Gt: return m.Lt(b, a) ? m.One : m.Zero;
            default: return m.Le(b, a) ? m.One : m.Zero;
        }
    }
}
