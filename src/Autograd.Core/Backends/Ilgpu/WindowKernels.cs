using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// im2col/col2im and 2-D pooling over [N, C, H, W]. Backward kernels gather (one thread per input element sums
/// the windows that cover it) instead of scattering, so they need no atomics and add in a fixed order.
/// </summary>
internal static class WindowKernels
{
    /// <summary>columns[row, col] for row = (c, kh, kw), col = (n, oh, ow); n = rows * cols.</summary>
    public static void Im2Col<T, TNum>(int n, WindowGeometry g, ArrayView<T> x, ArrayView<T> columns)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int oh = g.OutH, ow = g.OutW, cols = g.Batch * oh * ow;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int row = t / cols, col = t - (row * cols);
            int kw = row % g.KernelW, kh = (row / g.KernelW) % g.KernelH, c = row / (g.KernelW * g.KernelH);
            int ox = col % ow, oy = (col / ow) % oh, b = col / (ow * oh);
            int h = (oy * g.StrideH) - g.PadH + (kh * g.DilationH);
            int w = (ox * g.StrideW) - g.PadW + (kw * g.DilationW);
            bool inside = h >= 0 && h < g.Height && w >= 0 && w < g.Width;
            columns[t] = inside ? x[((((b * g.Channels) + c) * g.Height) + h) * g.Width + w] : default(TNum).Zero;
        }
    }

    /// <summary>gx[b, c, h, w] = sum of the column entries that im2col copied from it; n = gx's length.</summary>
    public static void Col2Im<T, TNum>(int n, WindowGeometry g, ArrayView<T> columns, ArrayView<T> gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        int oh = g.OutH, ow = g.OutW, cols = g.Batch * oh * ow;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int w = t % g.Width, h = (t / g.Width) % g.Height, c = (t / (g.Width * g.Height)) % g.Channels, b = t / (g.Width * g.Height * g.Channels);
            T sum = m.Zero;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int y = h + g.PadH - (kh * g.DilationH);
                if (y < 0 || y % g.StrideH != 0 || y / g.StrideH >= oh) continue;
                int oy = y / g.StrideH;
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int x = w + g.PadW - (kw * g.DilationW);
                    if (x < 0 || x % g.StrideW != 0 || x / g.StrideW >= ow) continue;
                    int row = (((c * g.KernelH) + kh) * g.KernelW) + kw;
                    sum = m.Add(sum, columns[(row * cols) + (((b * oh) + oy) * ow) + (x / g.StrideW)]);
                }
            }

            gx[t] = sum;
        }
    }

    /// <summary>
    /// Max over each window with the flat in-plane index of the max, by PyTorch's scan (as the CPU backend): the
    /// window's first position starts as the answer at -inf, a greater element or a NaN replaces it (the last NaN wins).
    /// </summary>
    public static void MaxPool<T, TNum>(int n, WindowGeometry g, ArrayView<T> x, ArrayView<T> y, ArrayView<long> indices)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        int oh = g.OutH, ow = g.OutW;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int ox = t % ow, oy = (t / ow) % oh, plane = t / (ow * oh);
            int planeBase = plane * g.Height * g.Width;
            int h0 = (oy * g.StrideH) - g.PadH, w0 = (ox * g.StrideW) - g.PadW;
            T best = m.NegativeInfinity;
            int bestAt = ((h0 > 0 ? h0 : 0) * g.Width) + (w0 > 0 ? w0 : 0);
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int h = h0 + (kh * g.DilationH);
                if (h < 0 || h >= g.Height) continue;
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int w = w0 + (kw * g.DilationW);
                    if (w < 0 || w >= g.Width) continue;
                    T v = x[planeBase + (h * g.Width) + w];
                    if (m.Lt(best, v) || m.IsNaN(v))
                    {
                        best = v;
                        bestAt = (h * g.Width) + w;
                    }
                }
            }

            y[t] = best;
            indices[t] = bestAt;
        }
    }

    /// <summary>gx[p, h, w] = sum of gy over the windows covering (h, w) whose recorded max is (h, w).</summary>
    public static void MaxPoolBackward<T, TNum>(int n, WindowGeometry g, ArrayView<T> gy, ArrayView<long> indices, ArrayView<T> gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        int oh = g.OutH, ow = g.OutW;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int w = t % g.Width, h = (t / g.Width) % g.Height, plane = t / (g.Width * g.Height);
            int self = (h * g.Width) + w;
            T sum = m.Zero;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int y = h + g.PadH - (kh * g.DilationH);
                if (y < 0 || y % g.StrideH != 0 || y / g.StrideH >= oh) continue;
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int x = w + g.PadW - (kw * g.DilationW);
                    if (x < 0 || x % g.StrideW != 0 || x / g.StrideW >= ow) continue;
                    int at = (((plane * oh) + (y / g.StrideH)) * ow) + (x / g.StrideW);
                    if (indices[at] == self) sum = m.Add(sum, gy[at]);
                }
            }

            gx[t] = sum;
        }
    }

    public static void AvgPool<T, TNum>(int n, WindowGeometry g, int includePad, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        int oh = g.OutH, ow = g.OutW;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int ox = t % ow, oy = (t / ow) % oh, plane = t / (ow * oh);
            int planeBase = plane * g.Height * g.Width;
            T sum = m.Zero;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int h = (oy * g.StrideH) - g.PadH + kh;
                if (h < 0 || h >= g.Height) continue;
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int w = (ox * g.StrideW) - g.PadW + kw;
                    if (w >= 0 && w < g.Width) sum = m.Add(sum, x[planeBase + (h * g.Width) + w]);
                }
            }

            y[t] = m.Div(sum, m.FromDouble(PoolDivisor(g, oy, ox, includePad)));
        }
    }

    public static void AvgPoolBackward<T, TNum>(int n, WindowGeometry g, int includePad, ArrayView<T> gy, ArrayView<T> gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        int oh = g.OutH, ow = g.OutW;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int w = t % g.Width, h = (t / g.Width) % g.Height, plane = t / (g.Width * g.Height);
            T sum = m.Zero;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int y = h + g.PadH - kh;
                if (y < 0 || y % g.StrideH != 0 || y / g.StrideH >= oh) continue;
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int x = w + g.PadW - kw;
                    if (x < 0 || x % g.StrideW != 0 || x / g.StrideW >= ow) continue;
                    int oy = y / g.StrideH, ox = x / g.StrideW;
                    T share = m.Div(gy[(((plane * oh) + oy) * ow) + ox], m.FromDouble(PoolDivisor(g, oy, ox, includePad)));
                    sum = m.Add(sum, share);
                }
            }

            gx[t] = sum;
        }
    }

    /// <summary>Averaging divisor of one output cell: the window size, or only its in-bounds part (CpuBackend.PoolDivisor).</summary>
    private static int PoolDivisor(WindowGeometry g, int oh, int ow, int includePad)
    {
        int h0 = (oh * g.StrideH) - g.PadH, w0 = (ow * g.StrideW) - g.PadW;
        int h1 = Math.Min(h0 + g.KernelH, g.Height + g.PadH), w1 = Math.Min(w0 + g.KernelW, g.Width + g.PadW);
        if (includePad != 0) return (h1 - h0) * (w1 - w0);
        return (Math.Min(h1, g.Height) - Math.Max(h0, 0)) * (Math.Min(w1, g.Width) - Math.Max(w0, 0));
    }
}
