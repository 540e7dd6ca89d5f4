namespace Autograd.Backends.Ilgpu;

/// <summary>
/// An index space of up to <see cref="MaxRank"/> dimensions with the strides of up to three operands, passed to
/// kernels by value (kernel parameters cannot be arrays). A thread turns its linear index into one offset per
/// operand. Built on the host by <see cref="StridedLayout.TryCreate"/>, which first drops size-1 dimensions and
/// merges neighbours contiguous for every operand, so the common shapes need one or two dimensions.
/// </summary>
internal struct StridedLayout
{
    public const int MaxRank = 6;

    public int Rank;
    public int N0, N1, N2, N3, N4, N5;
    public int A0, A1, A2, A3, A4, A5;
    public int B0, B1, B2, B3, B4, B5;
    public int C0, C1, C2, C3, C4, C5;

    public readonly int Size(int d) => d switch { 0 => N0, 1 => N1, 2 => N2, 3 => N3, 4 => N4, _ => N5 };

    public readonly int StrideA(int d) => d switch { 0 => A0, 1 => A1, 2 => A2, 3 => A3, 4 => A4, _ => A5 };

    public readonly int StrideB(int d) => d switch { 0 => B0, 1 => B1, 2 => B2, 3 => B3, 4 => B4, _ => B5 };

    public readonly int StrideC(int d) => d switch { 0 => C0, 1 => C1, 2 => C2, 3 => C3, 4 => C4, _ => C5 };

    /// <summary>Offsets of the element at row-major <paramref name="linear"/> in each operand.</summary>
    public readonly void Offsets(int linear, out int a, out int b, out int c)
    {
        a = 0;
        b = 0;
        c = 0;
        for (int d = Rank - 1; d >= 0; d--)
        {
            int n = Size(d);
            int q = linear / n;
            int i = linear - (q * n);
            a += i * StrideA(d);
            b += i * StrideB(d);
            c += i * StrideC(d);
            linear = q;
        }
    }

    /// <summary>
    /// Coalesces <paramref name="shape"/> with up to three stride sets (empty = unused, all zero). False when more
    /// than <see cref="MaxRank"/> dimensions remain; the caller then splits the work on the host. Spans, so callers
    /// can build strides on the stack: every launch runs this, and a launch allocates nothing of ours.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<int> shape, ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> c, out StridedLayout layout)
    {
        int rank = shape.Length;
        Span<int> n = stackalloc int[Math.Max(rank, 1)];
        Span<int> sa = stackalloc int[Math.Max(rank, 1)];
        Span<int> sb = stackalloc int[Math.Max(rank, 1)];
        Span<int> sc = stackalloc int[Math.Max(rank, 1)];
        int m = 0;
        for (int d = 0; d < rank; d++)
        {
            if (shape[d] == 1) continue;
            int da = a.IsEmpty ? 0 : a[d], db = b.IsEmpty ? 0 : b[d], dc = c.IsEmpty ? 0 : c[d];
            if (m > 0 && sa[m - 1] == (long)da * shape[d] && sb[m - 1] == (long)db * shape[d] && sc[m - 1] == (long)dc * shape[d])
            {
                n[m - 1] *= shape[d];
                sa[m - 1] = da;
                sb[m - 1] = db;
                sc[m - 1] = dc;
                continue;
            }

            n[m] = shape[d];
            sa[m] = da;
            sb[m] = db;
            sc[m] = dc;
            m++;
        }

        layout = default;
        if (m > MaxRank) return false;
        if (m == 0)
        {
            // A single element: one dimension of size 1.
            layout.Rank = 1;
            layout.N0 = 1;
            return true;
        }

        layout.Rank = m;
        for (int d = 0; d < m; d++) layout.Set(d, n[d], sa[d], sb[d], sc[d]);
        return true;
    }

    /// <summary>Row-major strides of an operand of <paramref name="shape"/> read as <paramref name="target"/> (0 where broadcast).</summary>
    public static int[] BroadcastStrides(int[] shape, int[] target)
    {
        var strides = new int[target.Length];
        BroadcastStrides(shape, target, strides);
        return strides;
    }

    /// <summary><see cref="BroadcastStrides(int[], int[])"/> into <paramref name="strides"/> (length = target rank), e.g. on the stack.</summary>
    public static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target, Span<int> strides)
    {
        strides.Clear();
        int offset = target.Length - shape.Length, s = 1;
        for (int d = target.Length - 1; d >= 0; d--)
        {
            int src = d - offset;
            if (src >= 0 && shape[src] != 1)
            {
                strides[d] = s;
                s *= shape[src];
            }
        }
    }

    private void Set(int d, int size, int a, int b, int c)
    {
        switch (d)
        {
            case 0: (N0, A0, B0, C0) = (size, a, b, c); break;
            case 1: (N1, A1, B1, C1) = (size, a, b, c); break;
            case 2: (N2, A2, B2, C2) = (size, a, b, c); break;
            case 3: (N3, A3, B3, C3) = (size, a, b, c); break;
            case 4: (N4, A4, B4, C4) = (size, a, b, c); break;
            default: (N5, A5, B5, C5) = (size, a, b, c); break;
        }
    }
}
