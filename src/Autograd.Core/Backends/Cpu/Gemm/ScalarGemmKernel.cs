using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Portable 4x4 micro-kernel for CPUs without AVX2/FMA or AVX-512 (and the reference the SIMD kernels
/// are tested against). Sixteen scalar accumulators still fit the general-purpose/SSE registers.
/// </summary>
internal unsafe struct ScalarGemmKernel<T> : IGemmKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 1024;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            T a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        StoreRow(c, c00, c01, c02, c03, accumulate);
        StoreRow(c + ldc, c10, c11, c12, c13, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, c22, c23, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, c32, c33, accumulate);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void TileHalf(int kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        T c00 = T.Zero, c01 = T.Zero, c10 = T.Zero, c11 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c30 = T.Zero, c31 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1];
            c00 += a[0] * b0; c01 += a[0] * b1;
            c10 += a[1] * b0; c11 += a[1] * b1;
            c20 += a[2] * b0; c21 += a[2] * b1;
            c30 += a[3] * b0; c31 += a[3] * b1;
            a += 4;
            b += 4;
        }
        StoreRow(c, c00, c01, accumulate);
        StoreRow(c + ldc, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, T v0, T v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += c[0];
            v1 += c[1];
        }
        c[0] = v0;
        c[1] = v1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, T v0, T v1, T v2, T v3, bool accumulate)
    {
        if (accumulate)
        {
            v0 += c[0];
            v1 += c[1];
            v2 += c[2];
            v3 += c[3];
        }
        c[0] = v0;
        c[1] = v1;
        c[2] = v2;
        c[3] = v3;
    }
}
