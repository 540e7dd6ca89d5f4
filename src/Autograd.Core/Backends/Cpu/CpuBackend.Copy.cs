using System.Numerics.Tensors;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void StridedCopy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape, bool accumulate)
    {
        switch (dst.DType)
        {
            case DType.Float32: StridedCopy(Cpu(src).Pointer<float>() + srcOffset, srcStrides, Cpu(dst).Pointer<float>() + dstOffset, dstStrides, shape, accumulate); break;
            case DType.Float64: StridedCopy(Cpu(src).Pointer<double>() + srcOffset, srcStrides, Cpu(dst).Pointer<double>() + dstOffset, dstStrides, shape, accumulate); break;
            default: StridedCopyLong(Cpu(src).Pointer<long>() + srcOffset, srcStrides, Cpu(dst).Pointer<long>() + dstOffset, dstStrides, shape, accumulate); break;
        }
    }

    public void IndexSelect(Storage x, int outer, int dimSize, int inner, Storage index, int count, Storage y)
    {
        long* idx = Cpu(index).Pointer<long>();
        CheckIndices(idx, count, dimSize, "index_select");
        int bytes = inner * x.DType.SizeOf();
        byte* src = (byte*)Cpu(x).Pointer<byte>();
        byte* dst = (byte*)Cpu(y).Pointer<byte>();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < count; j++)
                Buffer.MemoryCopy(src + ((((long)o * dimSize) + idx[j]) * bytes), dst + ((((long)o * count) + j) * bytes), bytes, bytes);
    }

    public void IndexAdd(Storage gy, int outer, int dimSize, int inner, Storage index, int count, Storage gx)
    {
        long* idx = Cpu(index).Pointer<long>();
        CheckIndices(idx, count, dimSize, "index_add");
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                long from = (((long)o * count) + j) * inner, to = (((long)o * dimSize) + idx[j]) * inner;
                if (gx.DType == DType.Float32)
                {
                    var dst = new Span<float>(Cpu(gx).Pointer<float>() + to, inner);
                    TensorPrimitives.Add(dst, new ReadOnlySpan<float>(Cpu(gy).Pointer<float>() + from, inner), dst);
                }
                else
                {
                    var dst = new Span<double>(Cpu(gx).Pointer<double>() + to, inner);
                    TensorPrimitives.Add(dst, new ReadOnlySpan<double>(Cpu(gy).Pointer<double>() + from, inner), dst);
                }
            }
        }
    }

    public void Gather(Storage x, int outer, int dimSize, int inner, Storage index, Storage y)
    {
        long* idx = Cpu(index).Pointer<long>();
        CheckIndices(idx, outer * inner, dimSize, "gather");
        int size = x.DType.SizeOf();
        byte* src = (byte*)Cpu(x).Pointer<byte>();
        byte* dst = (byte*)Cpu(y).Pointer<byte>();
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long slot = ((long)o * inner) + i;
                Buffer.MemoryCopy(src + (((((long)o * dimSize) + idx[slot]) * inner) + i) * size, dst + (slot * size), size, size);
            }
        }
    }

    public void ScatterAdd(Storage gy, int outer, int dimSize, int inner, Storage index, Storage gx)
    {
        long* idx = Cpu(index).Pointer<long>();
        CheckIndices(idx, outer * inner, dimSize, "scatter_add");
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long slot = ((long)o * inner) + i;
                long at = ((((long)o * dimSize) + idx[slot]) * inner) + i;
                if (gx.DType == DType.Float32) Cpu(gx).Pointer<float>()[at] += Cpu(gy).Pointer<float>()[slot];
                else Cpu(gx).Pointer<double>()[at] += Cpu(gy).Pointer<double>()[slot];
            }
        }
    }

    private static void CheckIndices(long* idx, int count, int dimSize, string op)
    {
        for (int j = 0; j < count; j++)
        {
            if ((ulong)idx[j] >= (ulong)dimSize)
                throw new ArgumentOutOfRangeException("index", idx[j], $"{op}: index {idx[j]} is out of bounds for dimension with size {dimSize}");
        }
    }

    private static void StridedCopy<T>(T* src, int[] srcStrides, T* dst, int[] dstStrides, int[] shape, bool accumulate)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ForEachRow(srcStrides, dstStrides, shape, (s, d, n, ss, ds) =>
        {
            T* ps = src + s;
            T* pd = dst + d;
            if (ss == 1 && ds == 1)
            {
                var from = new ReadOnlySpan<T>(ps, n);
                var to = new Span<T>(pd, n);
                if (accumulate) TensorPrimitives.Add(to, from, to);
                else from.CopyTo(to);
                return;
            }

            for (int i = 0; i < n; i++)
            {
                if (accumulate) pd[i * ds] += ps[i * ss];
                else pd[i * ds] = ps[i * ss];
            }
        });
    }

    private static void StridedCopyLong(long* src, int[] srcStrides, long* dst, int[] dstStrides, int[] shape, bool accumulate)
    {
        ForEachRow(srcStrides, dstStrides, shape, (s, d, n, ss, ds) =>
        {
            for (int i = 0; i < n; i++)
            {
                if (accumulate) dst[d + (i * ds)] += src[s + (i * ss)];
                else dst[d + (i * ds)] = src[s + (i * ss)];
            }
        });
    }

    private delegate void RowAction(long srcOffset, long dstOffset, int length, long srcStride, long dstStride);

    /// <summary>Walks every innermost row of the strided index space (an odometer over the outer dimensions).</summary>
    private static void ForEachRow(int[] srcStrides, int[] dstStrides, int[] shape, RowAction row)
    {
        int rank = shape.Length;
        if (rank == 0)
        {
            row(0, 0, 1, 1, 1);
            return;
        }

        foreach (int d in shape)
            if (d == 0) return;

        // Merge neighbouring dimensions that are contiguous for both operands (a plain copy becomes one row).
        Span<int> dims = stackalloc int[rank];
        Span<long> ss = stackalloc long[rank];
        Span<long> ds = stackalloc long[rank];
        int n = 0;
        for (int d = 0; d < rank; d++)
        {
            if (shape[d] == 1) continue;
            if (n > 0 && ss[n - 1] == (long)srcStrides[d] * shape[d] && ds[n - 1] == (long)dstStrides[d] * shape[d])
            {
                dims[n - 1] *= shape[d];
                ss[n - 1] = srcStrides[d];
                ds[n - 1] = dstStrides[d];
                continue;
            }

            dims[n] = shape[d];
            ss[n] = srcStrides[d];
            ds[n] = dstStrides[d];
            n++;
        }

        if (n == 0)
        {
            row(0, 0, 1, 1, 1);
            return;
        }

        Span<int> index = stackalloc int[n];
        index.Clear();
        long so = 0, dof = 0;
        int inner = dims[n - 1];
        while (true)
        {
            row(so, dof, inner, ss[n - 1], ds[n - 1]);
            int d = n - 2;
            for (; d >= 0; d--)
            {
                so += ss[d];
                dof += ds[d];
                if (++index[d] < dims[d]) break;
                so -= ss[d] * dims[d];
                dof -= ds[d] * dims[d];
                index[d] = 0;
            }

            if (d < 0) return;
        }
    }
}
