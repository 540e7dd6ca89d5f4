namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Chooses how many threads a GEMM uses and how C is cut among them: a grid of Rows x Cols blocks,
/// one block per thread, each computed independently (own packing, no barriers). Splitting N makes
/// every thread pack all of A; splitting M makes every thread pack all of B, so the duplicated
/// operand and the register-tile rounding decide the shape.
/// </summary>
internal static class GemmPartition
{
    // Costs in "multiply-add lanes" (the kernel retires ~32 float MACs per cycle per core).
    private const double TransposePackCost = 6;  // one element packed through an 8x8 transpose
    private const double CopyPackCost = 3;       // one element packed by a row copy
    private const double DispatchCost = 150_000; // post + join + a worker starting cold-ish: calibrated so
                                                 // 64^3 stays on one thread and 128x10x128 splits

    public readonly record struct Grid(int Rows, int Cols)
    {
        public int Count => Rows * Cols;
    }

    /// <remarks><c>mr</c> is the row granularity of a block (the kernel's MR); <c>nr</c> the column granularity (half the kernel's NR).</remarks>
    public static Grid Choose(int m, int n, int k, int mr, int nr, int nc, bool transA, bool transB, int threads)
    {
        int panelsM = (m + mr - 1) / mr;
        int panelsN = (n + nr - 1) / nr;
        double packA = transA ? CopyPackCost : TransposePackCost;
        double packB = transB ? TransposePackCost : CopyPackCost;

        Grid best = new(1, 1);
        double bestCost = double.MaxValue;
        for (int t = 1; t <= threads; t++)
        {
            for (int rows = 1; rows <= t; rows++)
            {
                if (t % rows != 0)
                    continue;
                int cols = t / rows;
                if (rows > panelsM || cols > panelsN)
                    continue;
                // The largest block bounds the wall time.
                double mBlock = Math.Min(m, (double)((panelsM + rows - 1) / rows) * mr);
                double nBlock = Math.Min(n, (double)((panelsN + cols - 1) / cols) * nr);
                double compute = Math.Ceiling(mBlock / mr) * mr * Math.Ceiling(nBlock / nr) * nr * k;
                double packing = mBlock * k * Math.Ceiling(nBlock / nc) * packA + nBlock * k * packB;
                double cost = compute + packing + (t > 1 ? DispatchCost : 0);
                if (cost < bestCost * 0.98) // prefer fewer threads unless clearly faster
                {
                    bestCost = cost;
                    best = new Grid(rows, cols);
                }
            }
        }
        return best;
    }
}
