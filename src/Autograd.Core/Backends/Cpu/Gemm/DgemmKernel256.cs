using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Float64 6x8 AVX2/FMA micro-kernel.
/// </summary>
/// <remarks>Written out in full on purpose: the JIT keeps every accumulator in a register only when each
/// is a separate local. One k step = 2 aligned loads of B, then per row one broadcast of A feeding
/// 2 independent FMAs.</remarks>
internal unsafe struct DgemmKernel256 : IGemmKernel<double>
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    public static int MR => 6;
    public static int NR => 8;
    public static int KC => 256;
    public static int MC => 132;
    public static int NC => 1024;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, double* a, double* b, double* c, nint ldc, bool accumulate)
    {
        Vector256<double> c00 = default, c01 = default;
        Vector256<double> c10 = default, c11 = default;
        Vector256<double> c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default;
        Vector256<double> c40 = default, c41 = default;
        Vector256<double> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Vector256.LoadAligned(b + 0);
            Vector256<double> b1 = Vector256.LoadAligned(b + 4);
            Vector256<double> a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            Vector256<double> a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            Vector256<double> a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            Vector256<double> a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            Vector256<double> a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            Vector256<double> a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 8;
        }

        Store(c + 0 * ldc, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void TileHalf(int kc, double* a, double* b, double* c, nint ldc, bool accumulate)
    {
        Vector256<double> c00 = default;
        Vector256<double> c10 = default;
        Vector256<double> c20 = default;
        Vector256<double> c30 = default;
        Vector256<double> c40 = default;
        Vector256<double> c50 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Vector256.LoadAligned(b + 0);
            Vector256<double> a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            Vector256<double> a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            Vector256<double> a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            Vector256<double> a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            Vector256<double> a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            Vector256<double> a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            a += 6;
            b += 8;
        }

        Store(c + 0 * ldc, c00, accumulate);
        Store(c + 1 * ldc, c10, accumulate);
        Store(c + 2 * ldc, c20, accumulate);
        Store(c + 3 * ldc, c30, accumulate);
        Store(c + 4 * ldc, c40, accumulate);
        Store(c + 5 * ldc, c50, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector256<double> v0, Vector256<double> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c + 0);
            v1 += Vector256.Load(c + 4);
        }
        v0.Store(c + 0);
        v1.Store(c + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector256<double> v0, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c + 0);
        }
        v0.Store(c + 0);
    }
}
