namespace Autograd.Backends.Cpu.Gemm;

/// <summary>One row-major GEMM call: C[M x N] (=|+=) op(A)[M x K] * op(B)[K x N].</summary>
internal unsafe struct GemmProblem<T> where T : unmanaged
{
    public bool TransA;
    public bool TransB;
    public int M;
    public int N;
    public int K;
    public T* A;
    public nint Lda;
    public T* B;
    public nint Ldb;
    public T* C;
    public nint Ldc;
    public bool Accumulate;

    /// <summary>Address of op(A)[row, depth].</summary>
    public readonly T* AAt(int row, int depth) => TransA ? A + depth * Lda + row : A + row * Lda + depth;

    /// <summary>Address of op(B)[depth, col].</summary>
    public readonly T* BAt(int depth, int col) => TransB ? B + col * Ldb + depth : B + depth * Ldb + col;
}
