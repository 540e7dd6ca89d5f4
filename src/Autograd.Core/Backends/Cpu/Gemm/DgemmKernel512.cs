using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Float64 8x16 AVX-512 micro-kernel (same register layout as the float32 8x32 one).
/// </summary>
/// <remarks>Written out in full on purpose: the JIT keeps every accumulator in a register only when each
/// is a separate local. One k step = 2 aligned loads of B, then per row one broadcast of A feeding
/// 2 independent FMAs.</remarks>
internal unsafe struct DgemmKernel512 : IGemmKernel<double>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    public static int MR => 8;
    public static int NR => 16;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 1024;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, double* a, double* b, double* c, nint ldc, bool accumulate)
    {
        Vector512<double> c00 = default, c01 = default;
        Vector512<double> c10 = default, c11 = default;
        Vector512<double> c20 = default, c21 = default;
        Vector512<double> c30 = default, c31 = default;
        Vector512<double> c40 = default, c41 = default;
        Vector512<double> c50 = default, c51 = default;
        Vector512<double> c60 = default, c61 = default;
        Vector512<double> c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.LoadAligned(b + 0);
            Vector512<double> b1 = Vector512.LoadAligned(b + 8);
            Vector512<double> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            Vector512<double> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            Vector512<double> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            Vector512<double> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            Vector512<double> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            Vector512<double> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            Vector512<double> a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            Vector512<double> a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 16;
        }

        Store(c + 0 * ldc, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void TileHalf(int kc, double* a, double* b, double* c, nint ldc, bool accumulate)
    {
        Vector512<double> c00 = default;
        Vector512<double> c10 = default;
        Vector512<double> c20 = default;
        Vector512<double> c30 = default;
        Vector512<double> c40 = default;
        Vector512<double> c50 = default;
        Vector512<double> c60 = default;
        Vector512<double> c70 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.LoadAligned(b + 0);
            Vector512<double> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            Vector512<double> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            Vector512<double> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            Vector512<double> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            Vector512<double> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            Vector512<double> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            Vector512<double> a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            Vector512<double> a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            a += 8;
            b += 16;
        }

        Store(c + 0 * ldc, c00, accumulate);
        Store(c + 1 * ldc, c10, accumulate);
        Store(c + 2 * ldc, c20, accumulate);
        Store(c + 3 * ldc, c30, accumulate);
        Store(c + 4 * ldc, c40, accumulate);
        Store(c + 5 * ldc, c50, accumulate);
        Store(c + 6 * ldc, c60, accumulate);
        Store(c + 7 * ldc, c70, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector512<double> v0, Vector512<double> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c + 0);
            v1 += Vector512.Load(c + 8);
        }
        v0.Store(c + 0);
        v1.Store(c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector512<double> v0, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c + 0);
        }
        v0.Store(c + 0);
    }
}
