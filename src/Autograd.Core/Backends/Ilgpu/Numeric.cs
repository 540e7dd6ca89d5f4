using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// What a kernel needs of an element type it only moves, converts or adds (Int64 index tensors included).
/// Kernels take these as <c>struct</c> type parameters: ILGPU inlines the calls, so one generic kernel body
/// compiles per dtype (.NET's static-abstract generic math does not compile under ILGPU 1.5).
/// </summary>
internal interface IElement<T>
    where T : unmanaged
{
    T FromDouble(double value);

    double ToDouble(T value);

    T Add(T a, T b);
}

/// <summary>The floating-point operations kernels use, with the CPU backend's NaN conventions.</summary>
internal interface INumeric<T> : IElement<T>
    where T : unmanaged
{
    T Zero { get; }

    T One { get; }

    T NegativeInfinity { get; }

    T Sub(T a, T b);

    T Mul(T a, T b);

    T Div(T a, T b);

    T Exp(T x);

    T Log(T x);

    T Sqrt(T x);

    T Tanh(T x);

    T Pow(T x, T y);

    bool IsNaN(T x);

    bool Lt(T a, T b);

    bool Le(T a, T b);

    bool Eq(T a, T b);

    void AtomicAdd(ref T target, T value);
}

internal readonly struct Float32Math : INumeric<float>
{
    public float Zero => 0f;

    public float One => 1f;

    public float NegativeInfinity => float.NegativeInfinity;

    public float FromDouble(double value) => (float)value;

    public double ToDouble(float value) => value;

    public float Add(float a, float b) => a + b;

    public float Sub(float a, float b) => a - b;

    public float Mul(float a, float b) => a * b;

    public float Div(float a, float b) => a / b;

    public float Exp(float x) => MathF.Exp(x);

    public float Log(float x) => MathF.Log(x);

    public float Sqrt(float x) => MathF.Sqrt(x);

    public float Tanh(float x) => MathF.Tanh(x);

    public float Pow(float x, float y) => MathF.Pow(x, y);

    public bool IsNaN(float x) => float.IsNaN(x);

    public bool Lt(float a, float b) => a < b;

    public bool Le(float a, float b) => a <= b;

    public bool Eq(float a, float b) => a == b;

    public void AtomicAdd(ref float target, float value) => Atomic.Add(ref target, value);
}

internal readonly struct Float64Math : INumeric<double>
{
    public double Zero => 0d;

    public double One => 1d;

    public double NegativeInfinity => double.NegativeInfinity;

    public double FromDouble(double value) => value;

    public double ToDouble(double value) => value;

    public double Add(double a, double b) => a + b;

    public double Sub(double a, double b) => a - b;

    public double Mul(double a, double b) => a * b;

    public double Div(double a, double b) => a / b;

    public double Exp(double x) => Math.Exp(x);

    public double Log(double x) => Math.Log(x);

    public double Sqrt(double x) => Math.Sqrt(x);

    public double Tanh(double x) => Math.Tanh(x);

    public double Pow(double x, double y) => Math.Pow(x, y);

    public bool IsNaN(double x) => double.IsNaN(x);

    public bool Lt(double a, double b) => a < b;

    public bool Le(double a, double b) => a <= b;

    public bool Eq(double a, double b) => a == b;

    public void AtomicAdd(ref double target, double value) => Atomic.Add(ref target, value);
}

internal readonly struct Int64Element : IElement<long>
{
    public long FromDouble(double value) => (long)value;

    public double ToDouble(long value) => value;

    public long Add(long a, long b) => a + b;
}

/// <summary>Scalar helpers shared by kernels, written once over <see cref="INumeric{T}"/>.</summary>
internal static class NumericOps
{
    /// <summary>IEEE 754-2019 maximum as TensorPrimitives.Max: NaN if either is NaN.</summary>
    public static T Max<T, TNum>(T a, T b)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum n = default;
        if (n.IsNaN(a)) return a;
        if (n.IsNaN(b)) return b;
        return n.Lt(a, b) ? b : a;
    }

    public static T Min<T, TNum>(T a, T b)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum n = default;
        if (n.IsNaN(a)) return a;
        if (n.IsNaN(b)) return b;
        return n.Lt(b, a) ? b : a;
    }
}
