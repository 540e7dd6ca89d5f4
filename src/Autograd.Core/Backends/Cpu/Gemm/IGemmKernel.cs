namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// A register-blocked GEMM micro-kernel plus the cache-block sizes that suit it. The blocked driver
/// (<see cref="GemmDriver{T, TKernel}"/>) is specialised per kernel struct, so every member is a
/// JIT-time constant or a direct call.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal unsafe interface IGemmKernel<T> where T : unmanaged
{
    /// <summary>Rows of C computed per tile (A is packed in panels of MR rows).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C computed per tile (B is packed in panels of NR columns).</summary>
    static abstract int NR { get; }

    /// <summary>Max depth of one packed block: a KC x NR panel of B should stay in L1.</summary>
    static abstract int KC { get; }

    /// <summary>Max rows of one packed A block (MC x KC should stay in L2). Multiple of MR.</summary>
    static abstract int MC { get; }

    /// <summary>Max columns of one packed B block (KC x NC lives in L2/L3). Multiple of NR.</summary>
    static abstract int NC { get; }

    /// <summary>
    /// C[0..MR, 0..NR] (=|+=) sum over p &lt; kc of a[p*MR + i] * b[p*NR + j].
    /// <paramref name="a"/> and <paramref name="b"/> are packed panels (b is 64-byte aligned);
    /// C has row stride <paramref name="ldc"/>. When <paramref name="accumulate"/> is false C is not read.
    /// </summary>
    static abstract void Tile(int kc, T* a, T* b, T* c, nint ldc, bool accumulate);

    /// <summary>
    /// Same as <see cref="Tile"/> for the left NR/2 columns only (b keeps its NR row stride). Used for
    /// column tails of at most NR/2 (N = 10, or 784 = 24 x 32 + 16), halving the wasted FMAs.
    /// </summary>
    static abstract void TileHalf(int kc, T* a, T* b, T* c, nint ldc, bool accumulate);
}
