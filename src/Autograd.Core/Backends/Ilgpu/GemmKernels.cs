using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>Threads per side of a GEMM group, a compile-time constant for the shared-memory tile sizes.</summary>
internal interface IGemmTile
{
    int Threads { get; }
}

/// <summary>16 x 16 threads (256): GPUs.</summary>
internal readonly struct WideTile : IGemmTile
{
    public int Threads => GemmKernels.WideThreads;
}

/// <summary>4 x 4 threads (16): the most ILGPU's CPU simulator runs in one group.</summary>
internal readonly struct NarrowTile : IGemmTile
{
    public int Threads => GemmKernels.NarrowThreads;
}

/// <summary>Sizes, offsets and flags of one batched GEMM launch.</summary>
internal struct GemmArgs
{
    /// <summary>Matrices in this launch (the host splits batches whose tiles overflow an int).</summary>
    public int Batch;
    public int M, N, K;
    public int TransA, TransB, Accumulate;
    public long AOffset, BOffset, COffset;
    public int Lda, Ldb, Ldc;
    public long ABatchStride, BBatchStride, CBatchStride;
}

/// <summary>
/// Batched C (=|+=) op(A) op(B), row-major, tiled through shared memory: each tile is a (Threads*Work) x
/// (Threads*Work) block of C, each thread computes Work x Work of it (rows ty + w*Threads, columns tx + w*Threads, so
/// neighbouring threads touch neighbouring addresses), stepping K by <see cref="TileK"/>. Edges that are not
/// multiples of the tile load zeros.
/// </summary>
/// <remarks>
/// A 1-D grid of groups walks the tiles (column block fastest, then row block, then matrix) in a grid-stride loop,
/// and every buffer is allocated once, before that loop. The host bounds the grid as for the 1-D kernels: ILGPU's
/// CPU simulator implements each LocalMemory/SharedMemory allocation as a fresh host buffer (a managed object, a
/// native block and a weak reference registered with the accelerator) per thread or group it runs, so one group
/// per tile made its garbage grow with the size of C; on a GPU the loop costs nothing once the grid fills the device.
/// </remarks>
internal static class GemmKernels
{
    public const int WideThreads = 16;
    public const int NarrowThreads = 4;
    public const int Work = 4;
    public const int TileK = 16;

    public static void Gemm<T, TNum, TTile>(GemmArgs p, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c)
        where T : unmanaged
        where TNum : struct, INumeric<T>
        where TTile : struct, IGemmTile
    {
        TNum m = default;
        int threads = default(TTile).Threads;
        int block = default(TTile).Threads * Work;
        var aTile = SharedMemory.Allocate<T>(TileK * default(TTile).Threads * Work);
        var bTile = SharedMemory.Allocate<T>(TileK * default(TTile).Threads * Work);
        var acc = LocalMemory.Allocate<T>(Work * Work);

        int tx = Group.IdxX, ty = Group.IdxY, tid = (ty * threads) + tx, groupThreads = threads * threads;
        int columnBlocks = (p.N + block - 1) / block, rowBlocks = (p.M + block - 1) / block;
        int tiles = p.Batch * rowBlocks * columnBlocks;
        for (int tile = Grid.IdxX; tile < tiles; tile += Grid.DimX)
        {
            int rest = tile / columnBlocks;
            int colBase = (tile - (rest * columnBlocks)) * block;
            int batch = rest / rowBlocks;
            int rowBase = (rest - (batch * rowBlocks)) * block;
            long aBase = p.AOffset + (batch * p.ABatchStride);
            long bBase = p.BOffset + (batch * p.BBatchStride);
            long cBase = p.COffset + (batch * p.CBatchStride);
            for (int w = 0; w < Work * Work; w++) acc[w] = m.Zero;

            for (int k0 = 0; k0 < p.K; k0 += TileK)
            {
                // Neighbouring threads load neighbouring addresses of each operand's layout.
                for (int l = tid; l < TileK * block; l += groupThreads)
                {
                    int kk = p.TransA != 0 ? l / block : l % TileK;
                    int mm = p.TransA != 0 ? l % block : l / TileK;
                    int gm = rowBase + mm, gk = k0 + kk;
                    T v = m.Zero;
                    if (gm < p.M && gk < p.K) v = a[aBase + (p.TransA != 0 ? ((long)gk * p.Lda) + gm : ((long)gm * p.Lda) + gk)];
                    aTile[(kk * block) + mm] = v;

                    int kb = p.TransB != 0 ? l % TileK : l / block;
                    int nn = p.TransB != 0 ? l / TileK : l % block;
                    int gn = colBase + nn, gkb = k0 + kb;
                    T u = m.Zero;
                    if (gn < p.N && gkb < p.K) u = b[bBase + (p.TransB != 0 ? ((long)gn * p.Ldb) + gkb : ((long)gkb * p.Ldb) + gn)];
                    bTile[(kb * block) + nn] = u;
                }

                Group.Barrier();
                for (int kk = 0; kk < TileK; kk++)
                {
                    for (int wi = 0; wi < Work; wi++)
                    {
                        T av = aTile[(kk * block) + ty + (wi * threads)];
                        for (int wj = 0; wj < Work; wj++)
                        {
                            int slot = (wi * Work) + wj;
                            acc[slot] = m.Add(acc[slot], m.Mul(av, bTile[(kk * block) + tx + (wj * threads)]));
                        }
                    }
                }

                // The next tile's loads overwrite aTile and bTile only after every thread has read them.
                Group.Barrier();
            }

            for (int wi = 0; wi < Work; wi++)
            {
                int row = rowBase + ty + (wi * threads);
                if (row >= p.M) continue;
                for (int wj = 0; wj < Work; wj++)
                {
                    int col = colBase + tx + (wj * threads);
                    if (col >= p.N) continue;
                    long at = cBase + ((long)row * p.Ldc) + col;
                    T v = acc[(wi * Work) + wj];
                    c[at] = p.Accumulate != 0 ? m.Add(c[at], v) : v;
                }
            }
        }
    }
}
