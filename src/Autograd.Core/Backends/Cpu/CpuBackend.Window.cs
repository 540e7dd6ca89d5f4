using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Im2Col(Storage x, in WindowGeometry g, Storage columns)
    {
        if (x.DType == DType.Float32) RunRows(new Im2ColBody<float> { X = Cpu(x).Pointer<float>(), Columns = Cpu(columns).Pointer<float>(), G = g }, g.Channels * g.KernelH * g.KernelW);
        else RunRows(new Im2ColBody<double> { X = Cpu(x).Pointer<double>(), Columns = Cpu(columns).Pointer<double>(), G = g }, g.Channels * g.KernelH * g.KernelW);
    }

    public void Col2Im(Storage columns, in WindowGeometry g, Storage gx)
    {
        if (gx.DType == DType.Float32) RunRows(new Col2ImBody<float> { GX = Cpu(gx).Pointer<float>(), Columns = Cpu(columns).Pointer<float>(), G = g }, g.Channels);
        else RunRows(new Col2ImBody<double> { GX = Cpu(gx).Pointer<double>(), Columns = Cpu(columns).Pointer<double>(), G = g }, g.Channels);
    }

    public void MaxPool2d(Storage x, in WindowGeometry g, Storage y, Storage indices)
    {
        if (x.DType == DType.Float32) RunRows(new MaxPoolBody<float> { X = Cpu(x).Pointer<float>(), Y = Cpu(y).Pointer<float>(), Indices = Cpu(indices).Pointer<long>(), G = g }, g.Batch * g.Channels);
        else RunRows(new MaxPoolBody<double> { X = Cpu(x).Pointer<double>(), Y = Cpu(y).Pointer<double>(), Indices = Cpu(indices).Pointer<long>(), G = g }, g.Batch * g.Channels);
    }

    public void MaxPool2dBackward(Storage gy, Storage indices, in WindowGeometry g, Storage gx)
    {
        if (gx.DType == DType.Float32) RunRows(new MaxPoolBackwardBody<float> { GY = Cpu(gy).Pointer<float>(), GX = Cpu(gx).Pointer<float>(), Indices = Cpu(indices).Pointer<long>(), G = g }, g.Batch * g.Channels);
        else RunRows(new MaxPoolBackwardBody<double> { GY = Cpu(gy).Pointer<double>(), GX = Cpu(gx).Pointer<double>(), Indices = Cpu(indices).Pointer<long>(), G = g }, g.Batch * g.Channels);
    }

    public void AvgPool2d(Storage x, in WindowGeometry g, bool countIncludePad, Storage y)
    {
        if (x.DType == DType.Float32) RunRows(new AvgPoolBody<float> { X = Cpu(x).Pointer<float>(), Y = Cpu(y).Pointer<float>(), G = g, IncludePad = countIncludePad }, g.Batch * g.Channels);
        else RunRows(new AvgPoolBody<double> { X = Cpu(x).Pointer<double>(), Y = Cpu(y).Pointer<double>(), G = g, IncludePad = countIncludePad }, g.Batch * g.Channels);
    }

    public void AvgPool2dBackward(Storage gy, in WindowGeometry g, bool countIncludePad, Storage gx)
    {
        Fill(gx, 0);
        if (gx.DType == DType.Float32) RunRows(new AvgPoolBackwardBody<float> { GY = Cpu(gy).Pointer<float>(), GX = Cpu(gx).Pointer<float>(), G = g, IncludePad = countIncludePad }, g.Batch * g.Channels);
        else RunRows(new AvgPoolBackwardBody<double> { GY = Cpu(gy).Pointer<double>(), GX = Cpu(gx).Pointer<double>(), G = g, IncludePad = countIncludePad }, g.Batch * g.Channels);
    }

    private static void RunRows<TBody>(TBody body, int rows)
        where TBody : struct, IParallelBody => CpuParallel.For(rows, ref body);

    /// <summary>Averaging divisor of one output cell: the window size, or only its in-bounds part.</summary>
    private static int PoolDivisor(in WindowGeometry g, int oh, int ow, bool includePad)
    {
        int h0 = (oh * g.StrideH) - g.PadH, w0 = (ow * g.StrideW) - g.PadW;
        int h1 = Math.Min(h0 + g.KernelH, g.Height + g.PadH), w1 = Math.Min(w0 + g.KernelW, g.Width + g.PadW);
        if (includePad) return (h1 - h0) * (w1 - w0);
        return (Math.Min(h1, g.Height) - Math.Max(h0, 0)) * (Math.Min(w1, g.Width) - Math.Max(w0, 0));
    }

    /// <summary>The output columns x in [first, last) whose input column x*stride + offset lies inside [0, width).</summary>
    private static (int First, int Last) ValidRange(int outWidth, int stride, int offset, int width)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - offset <= 0 ? 0 : Math.Min(outWidth, ((width - offset - 1) / stride) + 1);
        return (Math.Min(first, last), last);
    }

    /// <summary>One row of the column matrix: channel c, kernel offset (kh, kw), over every (n, oh, ow).</summary>
    private struct Im2ColBody<T> : IParallelBody
        where T : unmanaged, INumber<T>
    {
        public T* X;
        public T* Columns;
        public WindowGeometry G;

        public readonly void Invoke(int row)
        {
            var g = G;
            int kw = row % g.KernelW, kh = (row / g.KernelW) % g.KernelH, c = row / (g.KernelW * g.KernelH);
            int oh = g.OutH, ow = g.OutW;
            int wOffset = (kw * g.DilationW) - g.PadW;
            var (first, last) = ValidRange(ow, g.StrideW, wOffset, g.Width);
            T* dst = Columns + ((long)row * g.Batch * oh * ow);
            for (int n = 0; n < g.Batch; n++)
            {
                T* plane = X + ((((long)n * g.Channels) + c) * g.Height * g.Width);
                for (int y = 0; y < oh; y++)
                {
                    int h = (y * g.StrideH) - g.PadH + (kh * g.DilationH);
                    T* outRow = dst + ((((long)n * oh) + y) * ow);
                    if ((uint)h >= (uint)g.Height)
                    {
                        new Span<T>(outRow, ow).Clear();
                        continue;
                    }

                    T* inRow = plane + ((long)h * g.Width) + wOffset;
                    if (first > 0) new Span<T>(outRow, first).Clear();
                    if (last < ow) new Span<T>(outRow + last, ow - last).Clear();
                    if (g.StrideW == 1)
                    {
                        new ReadOnlySpan<T>(inRow + first, last - first).CopyTo(new Span<T>(outRow + first, last - first));
                    }
                    else
                    {
                        for (int x = first; x < last; x++) outRow[x] = inRow[x * g.StrideW];
                    }
                }
            }
        }
    }

    /// <summary>Folds every column row of channel c back into gx's plane c (channels write disjoint planes).</summary>
    private struct Col2ImBody<T> : IParallelBody
        where T : unmanaged, INumber<T>
    {
        public T* GX;
        public T* Columns;
        public WindowGeometry G;

        public readonly void Invoke(int c)
        {
            var g = G;
            int oh = g.OutH, ow = g.OutW;
            for (int n = 0; n < g.Batch; n++)
            {
                T* plane = GX + ((((long)n * g.Channels) + c) * g.Height * g.Width);
                new Span<T>(plane, g.Height * g.Width).Clear();
            }

            for (int kh = 0; kh < g.KernelH; kh++)
            {
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int row = (((c * g.KernelH) + kh) * g.KernelW) + kw;
                    int wOffset = (kw * g.DilationW) - g.PadW;
                    var (first, last) = ValidRange(ow, g.StrideW, wOffset, g.Width);
                    if (last <= first) continue;
                    T* src = Columns + ((long)row * g.Batch * oh * ow);
                    for (int n = 0; n < g.Batch; n++)
                    {
                        T* plane = GX + ((((long)n * g.Channels) + c) * g.Height * g.Width);
                        for (int y = 0; y < oh; y++)
                        {
                            int h = (y * g.StrideH) - g.PadH + (kh * g.DilationH);
                            if ((uint)h >= (uint)g.Height) continue;
                            T* inRow = plane + ((long)h * g.Width) + wOffset;
                            T* colRow = src + ((((long)n * oh) + y) * ow);
                            if (g.StrideW == 1)
                            {
                                var target = new Span<T>(inRow + first, last - first);
                                TensorPrimitives.Add(target, new ReadOnlySpan<T>(colRow + first, last - first), target);
                            }
                            else
                            {
                                for (int x = first; x < last; x++) inRow[x * g.StrideW] += colRow[x];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One (n, c) plane of max pooling. PyTorch's rule: the window's first position starts as the answer with value
    /// -inf, and a later element replaces it when it is greater or NaN (so NaN propagates).
    /// </summary>
    private struct MaxPoolBody<T> : IParallelBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X;
        public T* Y;
        public long* Indices;
        public WindowGeometry G;

        public readonly void Invoke(int p)
        {
            var g = G;
            int oh = g.OutH, ow = g.OutW;
            T* plane = X + ((long)p * g.Height * g.Width);
            T* outPlane = Y + ((long)p * oh * ow);
            long* idxPlane = Indices + ((long)p * oh * ow);
            if (g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0 && g.DilationH == 1 && g.DilationW == 1)
            {
                Pool2x2(plane, g.Width, oh, ow, outPlane, idxPlane);
                return;
            }

            for (int y = 0; y < oh; y++)
            {
                int h0 = (y * g.StrideH) - g.PadH;
                for (int x = 0; x < ow; x++)
                {
                    int w0 = (x * g.StrideW) - g.PadW;
                    T best = T.NegativeInfinity;
                    int bestAt = (Math.Max(h0, 0) * g.Width) + Math.Max(w0, 0);
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int h = h0 + (kh * g.DilationH);
                        if ((uint)h >= (uint)g.Height) continue;
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int w = w0 + (kw * g.DilationW);
                            if ((uint)w >= (uint)g.Width) continue;
                            T v = plane[(h * g.Width) + w];
                            if (v > best || T.IsNaN(v))
                            {
                                best = v;
                                bestAt = (h * g.Width) + w;
                            }
                        }
                    }

                    outPlane[(y * ow) + x] = best;
                    idxPlane[(y * ow) + x] = bestAt;
                }
            }
        }

        /// <summary>
        /// The common 2x2, stride-2 window without bounds checks. For float32 the four candidates sit in one SSE
        /// register: the max is two shuffles away and the first position holding it is a compare and a bit scan. A
        /// compare-and-branch per candidate mispredicts half the time on real activations and was 9x slower.
        /// </summary>
        private static void Pool2x2(T* plane, int width, int oh, int ow, T* outPlane, long* idxPlane)
        {
            if (typeof(T) == typeof(float) && Sse.IsSupported)
            {
                Pool2x2Float((float*)plane, width, oh, ow, (float*)outPlane, idxPlane);
                return;
            }

            for (int y = 0; y < oh; y++)
            {
                T* r0 = plane + ((long)2 * y * width);
                T* r1 = r0 + width;
                int rowBase = 2 * y * width;
                for (int x = 0; x < ow; x++)
                {
                    int c = 2 * x;
                    T best = r0[c];
                    int at = rowBase + c;
                    T v = r0[c + 1];
                    if (v > best || T.IsNaN(v)) { best = v; at = rowBase + c + 1; }
                    v = r1[c];
                    if (v > best || T.IsNaN(v)) { best = v; at = rowBase + width + c; }
                    v = r1[c + 1];
                    if (v > best || T.IsNaN(v)) { best = v; at = rowBase + width + c + 1; }
                    outPlane[(y * ow) + x] = best;
                    idxPlane[(y * ow) + x] = at;
                }
            }
        }

        private static void Pool2x2Float(float* plane, int width, int oh, int ow, float* outPlane, long* idxPlane)
        {
            for (int y = 0; y < oh; y++)
            {
                float* r0 = plane + ((long)2 * y * width);
                float* r1 = r0 + width;
                int rowBase = 2 * y * width;
                int x = Avx2.IsSupported ? Pool2x2EightAtATime(r0, r1, width, rowBase, ow, outPlane + ((long)y * ow), idxPlane + ((long)y * ow)) : 0;
                for (; x < ow; x++)
                {
                    int c = 2 * x;
                    // [r0[c], r0[c+1], r1[c], r1[c+1]]: codes 0..3 map to offsets c + (code & 1) + (code >> 1) * width.
                    var v = Vector128.Create(*(long*)(r0 + c), *(long*)(r1 + c)).AsSingle();
                    uint nan = Vector128.ExtractMostSignificantBits(Vector128.IsNaN(v));
                    int code;
                    if (nan == 0)
                    {
                        var m = Sse.Max(v, Sse.Shuffle(v, v, 0b10_11_00_01));
                        m = Sse.Max(m, Sse.Shuffle(m, m, 0b01_00_11_10));
                        // The first maximum wins ties, as PyTorch's strict '>' scan does.
                        code = BitOperations.TrailingZeroCount(Vector128.ExtractMostSignificantBits(Vector128.Equals(v, m)));
                    }
                    else
                    {
                        // PyTorch's scan replaces on every NaN, so the last NaN wins.
                        code = 31 - BitOperations.LeadingZeroCount(nan);
                    }

                    int at = rowBase + c + (code & 1) + ((code >> 1) * width);
                    outPlane[(y * ow) + x] = plane[at];
                    idxPlane[(y * ow) + x] = at;
                }
            }
        }
    }

    /// <summary>
    /// Eight windows of one row of 2x2 windows at a time (AVX2): the four candidates of eight windows in four registers,
    /// scanned in PyTorch's order (a later candidate replaces the best when greater or NaN: the first maximum wins
    /// ties, the last NaN wins). The SSE kernel's per-window shuffles and bit scans cost ~1.9 ns a window, a third of
    /// the fused convolution's pooling time. Returns the windows done.
    /// </summary>
    private static int Pool2x2EightAtATime(float* r0, float* r1, int width, int rowBase, int ow, float* outRow, long* idxRow)
    {
        var lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var one = Vector256.Create(1);
        var below = Vector256.Create(width);
        var belowRight = Vector256.Create(width + 1);
        int x = 0;
        for (; x + 8 <= ow; x += 8)
        {
            int c = 2 * x;
            var (a, b) = Deinterleave(Avx.LoadVector256(r0 + c), Avx.LoadVector256(r0 + c + 8));
            var (d0, d1) = Deinterleave(Avx.LoadVector256(r1 + c), Avx.LoadVector256(r1 + c + 8));
            var best = a;
            var offset = Vector256<int>.Zero;
            Replace(ref best, ref offset, b, one);
            Replace(ref best, ref offset, d0, below);
            Replace(ref best, ref offset, d1, belowRight);
            Avx.Store(outRow + x, best);
            var at = Vector256.Create(rowBase + c) + lanes + offset;
            var (low, high) = Vector256.Widen(at);
            Avx.Store(idxRow + x, low);
            Avx.Store(idxRow + x + 4, high);
        }

        return x;
    }

    private static void Replace(ref Vector256<float> best, ref Vector256<int> offset, Vector256<float> candidate, Vector256<int> candidateOffset)
    {
        var take = Vector256.GreaterThan(candidate, best) | Vector256.IsNaN(candidate);
        best = Vector256.ConditionalSelect(take, candidate, best);
        offset = Vector256.ConditionalSelect(take.AsInt32(), candidateOffset, offset);
    }

    /// <summary>Sixteen consecutive floats (two registers) as their eight even- and eight odd-indexed ones, in order.</summary>
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Vector256<float> first, Vector256<float> second)
    {
        // Shuffle works within 128-bit lanes: [0 2 8 10 | 4 6 12 14]; the 64-bit permute puts the pairs in order.
        var even = Avx.Shuffle(first, second, 0b10_00_10_00);
        var odd = Avx.Shuffle(first, second, 0b11_01_11_01);
        return (Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle(), Avx2.Permute4x64(odd.AsDouble(), 0b11_01_10_00).AsSingle());
    }

    /// <summary>Routes each output gradient to its recorded max position, one (n, c) plane per item.</summary>
    private struct MaxPoolBackwardBody<T> : IParallelBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* GY;
        public T* GX;
        public long* Indices;
        public WindowGeometry G;

        public readonly void Invoke(int p)
        {
            var g = G;
            int planeIn = g.Height * g.Width, planeOut = g.OutH * g.OutW;
            T* gx = GX + ((long)p * planeIn);
            T* gy = GY + ((long)p * planeOut);
            long* idx = Indices + ((long)p * planeOut);
            new Span<T>(gx, planeIn).Clear();
            for (int j = 0; j < planeOut; j++) gx[idx[j]] += gy[j];
        }
    }

    private struct AvgPoolBody<T> : IParallelBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X;
        public T* Y;
        public WindowGeometry G;
        public bool IncludePad;

        public readonly void Invoke(int p)
        {
            var g = G;
            int oh = g.OutH, ow = g.OutW;
            T* plane = X + ((long)p * g.Height * g.Width);
            T* outPlane = Y + ((long)p * oh * ow);
            for (int y = 0; y < oh; y++)
            {
                for (int x = 0; x < ow; x++)
                {
                    T sum = T.Zero;
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int h = (y * g.StrideH) - g.PadH + kh;
                        if ((uint)h >= (uint)g.Height) continue;
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int w = (x * g.StrideW) - g.PadW + kw;
                            if ((uint)w < (uint)g.Width) sum += plane[(h * g.Width) + w];
                        }
                    }

                    outPlane[(y * ow) + x] = sum / T.CreateTruncating(PoolDivisor(g, y, x, IncludePad));
                }
            }
        }
    }

    private struct AvgPoolBackwardBody<T> : IParallelBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* GY;
        public T* GX;
        public WindowGeometry G;
        public bool IncludePad;

        public readonly void Invoke(int p)
        {
            var g = G;
            int oh = g.OutH, ow = g.OutW;
            T* plane = GX + ((long)p * g.Height * g.Width);
            T* outPlane = GY + ((long)p * oh * ow);
            for (int y = 0; y < oh; y++)
            {
                for (int x = 0; x < ow; x++)
                {
                    T share = outPlane[(y * ow) + x] / T.CreateTruncating(PoolDivisor(g, y, x, IncludePad));
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int h = (y * g.StrideH) - g.PadH + kh;
                        if ((uint)h >= (uint)g.Height) continue;
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int w = (x * g.StrideW) - g.PadW + kw;
                            if ((uint)w < (uint)g.Width) plane[(h * g.Width) + w] += share;
                        }
                    }
                }
            }
        }
    }
}
