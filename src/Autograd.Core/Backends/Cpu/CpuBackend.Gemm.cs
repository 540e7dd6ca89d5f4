using GemmKernels = Autograd.Backends.Cpu.Gemm.Gemm;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Gemm(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        Storage a,
        int aOffset,
        int lda,
        long aBatchStride,
        Storage b,
        int bOffset,
        int ldb,
        long bBatchStride,
        Storage c,
        int cOffset,
        int ldc,
        long cBatchStride,
        int batch,
        bool accumulate)
    {
        for (int i = 0; i < batch; i++)
        {
            switch (c.DType)
            {
                case DType.Float32:
                    GemmKernels.Sgemm(
                        transA, transB, m, n, k,
                        Cpu(a).Pointer<float>() + aOffset + (i * aBatchStride), lda,
                        Cpu(b).Pointer<float>() + bOffset + (i * bBatchStride), ldb,
                        Cpu(c).Pointer<float>() + cOffset + (i * cBatchStride), ldc,
                        accumulate);
                    break;
                case DType.Float64:
                    GemmKernels.Dgemm(
                        transA, transB, m, n, k,
                        Cpu(a).Pointer<double>() + aOffset + (i * aBatchStride), lda,
                        Cpu(b).Pointer<double>() + bOffset + (i * bBatchStride), ldb,
                        Cpu(c).Pointer<double>() + cOffset + (i * cBatchStride), ldc,
                        accumulate);
                    break;
                default:
                    throw new NotSupportedException($"matmul of dtype {c.DType.TorchName()}; convert it with Float() first");
            }
        }
    }
}
