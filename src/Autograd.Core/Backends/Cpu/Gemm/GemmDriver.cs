using System.Numerics;
using System.Runtime.CompilerServices;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Goto/BLIS-style blocked GEMM over one micro-kernel. K is cut into equal KC-deep slices. When a
/// thread's rows fit one MC block (M &lt;= 256 for float32: every MLP/CNN shape), A is packed once per
/// slice and B is streamed panel by panel (see <see cref="StreamPanels"/>); otherwise the classic loop
/// nest packs an NC-wide B block per slice, MC-row A blocks (L2-sized) inside it, and the macro-kernel
/// walks NR-wide B panels (L1) against MR-high A panels. Each thread computes its own block of C
/// (<see cref="GemmPartition"/>) with its own scratch, so there are no barriers.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    public static void Run(in GemmProblem<T> p)
    {
        int threads = CpuParallel.IsInParallelRegion ? 1 : CpuParallel.DegreeOfParallelism;
        var grid = GemmPartition.Choose(p.M, p.N, p.K, TKernel.MR, HalfNR, TKernel.NC, p.TransA, p.TransB, threads);
        if (grid.Count == 1)
        {
            ComputeBlock(in p, 0, p.M, 0, p.N);
            return;
        }
        var body = new BlockBody
        {
            Problem = p,
            Rows = grid.Rows,
            Cols = grid.Cols,
            PanelsM = (p.M + TKernel.MR - 1) / TKernel.MR,
            PanelsN = (p.N + HalfNR - 1) / HalfNR,
        };
        CpuParallel.For(grid.Count, ref body);
    }

    private static int HalfNR => TKernel.NR / 2;

    private struct BlockBody : IParallelBody
    {
        public GemmProblem<T> Problem;
        public int Rows, Cols, PanelsM, PanelsN;

        public readonly void Invoke(int index)
        {
            int r = index / Cols, c = index % Cols;
            // Row edges fall on whole register tiles; column edges on half tiles (the half-width kernel
            // computes those directly), which balances e.g. N = 784 as 400 + 384 instead of 416 + 368.
            int m0 = PanelsM * r / Rows * TKernel.MR;
            int m1 = Math.Min(Problem.M, PanelsM * (r + 1) / Rows * TKernel.MR);
            int n0 = PanelsN * c / Cols * HalfNR;
            int n1 = Math.Min(Problem.N, PanelsN * (c + 1) / Cols * HalfNR);
            if (m0 < m1 && n0 < n1)
                ComputeBlock(in Problem, m0, m1, n0, n1);
        }
    }

    /// <summary>C[m0..m1, n0..n1] = the problem restricted to that block, single-threaded.</summary>
    public static void ComputeBlock(in GemmProblem<T> p, int m0, int m1, int n0, int n1)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int k = p.K;
        // Equal-sized blocks: 784 = 4 x 196 rather than 3 x 256 + 16 (a thin tail slice wastes a
        // full pass over C and a packing round).
        int kBlocks = CeilDiv(k, TKernel.KC);
        int kcMax = CeilDiv(k, kBlocks);
        int mcMax = RoundUp(CeilDiv(m1 - m0, CeilDiv(m1 - m0, TKernel.MC)), mr);
        int ncMax = RoundUp(CeilDiv(n1 - n0, CeilDiv(n1 - n0, TKernel.NC)), nr);

        // When one MC block holds every row (all MLP/CNN shapes), each packed B panel is used by a
        // single pass of row tiles: pack B panel by panel into an L1-sized buffer and prefetch the next
        // panel's source meanwhile, overlapping B's DRAM traffic with the FMAs (cnn.conv2: packing a
        // whole 17.8 MB B up front was a third of the run time).
        bool streamB = m1 - m0 <= mcMax;
        if (streamB)
            ncMax = nr; // the B buffer holds a single panel

        nint aElems = RoundUp(mcMax * kcMax, 64 / sizeof(T));
        nint bElems = RoundUp(ncMax * kcMax, 64 / sizeof(T));
        T* bufA = (T*)GemmScratch.Get((nuint)((aElems + bElems + mr * nr) * sizeof(T)));
        T* bufB = bufA + aElems;
        T* tile = bufB + bElems;

        if (streamB)
        {
            for (int kb = 0; kb < kBlocks; kb++)
            {
                int pc = (int)((long)k * kb / kBlocks);
                int kc = (int)((long)k * (kb + 1) / kBlocks) - pc;
                GemmPack<T, TKernel>.PackA(p.TransA, p.AAt(m0, pc), p.Lda, m1 - m0, kc, bufA);
                StreamPanels(in p, m0, m1, n0, n1, pc, kc, p.Accumulate || kb > 0, bufA, bufB, tile);
            }
            return;
        }

        for (int jc = n0; jc < n1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n1 - jc);
            for (int kb = 0; kb < kBlocks; kb++)
            {
                int pc = (int)((long)k * kb / kBlocks);
                int kc = (int)((long)k * (kb + 1) / kBlocks) - pc;
                GemmPack<T, TKernel>.PackB(p.TransB, p.BAt(pc, jc), p.Ldb, kc, nc, bufB);
                bool accumulate = p.Accumulate || kb > 0;
                for (int ic = m0; ic < m1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m1 - ic);
                    GemmPack<T, TKernel>.PackA(p.TransA, p.AAt(ic, pc), p.Lda, mc, kc, bufA);
                    MacroKernel(mc, nc, kc, bufA, bufB, p.C + ic * p.Ldc + jc, p.Ldc, accumulate, tile);
                }
            }
        }
    }

    /// <summary>For each NR-wide panel of C[m0..m1, n0..n1]: pack its B panel, then run all row tiles
    /// against it while prefetching the next panel's source.</summary>
    private static void StreamPanels(in GemmProblem<T> p, int m0, int m1, int n0, int n1, int pc, int kc,
        bool accumulate, T* bufA, T* bufB, T* tile)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int mc = m1 - m0;
        int rowTiles = (mc + mr - 1) / mr;
        T* c0 = p.C + m0 * p.Ldc;
        for (int j = n0; j < n1; j += nr)
        {
            int ncols = Math.Min(nr, n1 - j);
            GemmPack<T, TKernel>.PackBPanel(p.TransB, p.BAt(pc, j), p.Ldb, kc, ncols, bufB);
            int jn = j + nr;
            T* next = jn < n1 ? p.BAt(pc, jn) : null;
            int nextCols = Math.Min(nr, n1 - jn);
            for (int t = 0; t < rowTiles; t++)
            {
                if (next != null)
                    GemmPack<T, TKernel>.PrefetchBPanel(p.TransB, next, p.Ldb, kc, nextCols, t, rowTiles);
                int ir = t * mr;
                RunTile(kc, bufA + (nint)ir * kc, bufB, c0 + ir * p.Ldc + j, p.Ldc,
                    Math.Min(mr, mc - ir), ncols, accumulate, tile);
            }
        }
    }

    private static void MacroKernel(int mc, int nc, int kc, T* pa, T* pb, T* c, nint ldc, bool accumulate, T* tile)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int ncols = Math.Min(nr, nc - jr);
            T* bp = pb + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                RunTile(kc, pa + (nint)ir * kc, bp, c + ir * ldc + jr, ldc, Math.Min(mr, mc - ir), ncols, accumulate, tile);
            }
        }
    }

    /// <summary>One register tile of C with <paramref name="nrows"/> x <paramref name="ncols"/> valid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunTile(int kc, T* ap, T* bp, T* cp, nint ldc, int nrows, int ncols, bool accumulate, T* tile)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        bool half = ncols <= nr / 2;
        if (nrows == mr && (ncols == nr || ncols == nr / 2))
        {
            if (half)
                TKernel.TileHalf(kc, ap, bp, cp, ldc, accumulate);
            else
                TKernel.Tile(kc, ap, bp, cp, ldc, accumulate);
        }
        else
        {
            // Edge tile: compute the zero-padded tile aside, then merge the valid part.
            if (half)
                TKernel.TileHalf(kc, ap, bp, tile, nr, accumulate: false);
            else
                TKernel.Tile(kc, ap, bp, tile, nr, accumulate: false);
            MergeTile(tile, cp, ldc, nrows, ncols, accumulate);
        }
    }

    private static void MergeTile(T* tile, T* c, nint ldc, int rows, int cols, bool accumulate)
    {
        for (int i = 0; i < rows; i++, c += ldc, tile += TKernel.NR)
        {
            if (accumulate)
            {
                for (int j = 0; j < cols; j++)
                    c[j] += tile[j];
            }
            else
            {
                for (int j = 0; j < cols; j++)
                    c[j] = tile[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CeilDiv(int a, int b) => (a + b - 1) / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundUp(int a, int b) => CeilDiv(a, b) * b;
}
