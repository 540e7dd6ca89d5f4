using Autograd;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuMatMulTests
{
    public static TheoryData<string, DType, int, int, int> Sizes
    {
        get
        {
            var data = new TheoryData<string, DType, int, int, int>();
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
            {
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                {
                    data.Add(device, dtype, 1, 1, 1);
                    data.Add(device, dtype, 5, 7, 3);
                    // Not multiples of either tile (16 on the simulator, 64 on GPUs), K not a multiple of 16.
                    data.Add(device, dtype, 17, 33, 19);
                    data.Add(device, dtype, 70, 20, 65);
                }
            }

            // The GPU's 64 x 64 block tile: edges inside and across a block.
            data.Add(IlgpuTargets.WideSimulator, DType.Float32, 70, 20, 65);
            data.Add(IlgpuTargets.WideSimulator, DType.Float64, 17, 33, 19);

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MatMul_2D_MatchesCpuBackend_IncludingTransposedGradientProducts(string target, DType dtype, int m, int k, int n)
    {
        // The gradients run GEMM with A transposed (dB = A^T dY) and B transposed (dA = dY B^T).
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(m, k), InputSpec.Of(k, n));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void MatMul_BatchedAndBroadcast_MatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(3, 5, 4), InputSpec.Of(3, 4, 6));
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(2, 3, 5, 4), InputSpec.Of(4, 6));
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(5, 4), InputSpec.Of(2, 1, 4, 3));
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(7), InputSpec.Of(7));
        Check(device, dtype, xs => xs[0].MatMul(xs[1]), InputSpec.Of(2, 7), InputSpec.Of(7));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void MatMul_OfExplicitTransposes_MatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].T.MatMul(xs[1].T), InputSpec.Of(9, 6), InputSpec.Of(5, 9));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Linear_WithAndWithoutBias_MatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => Tensor.Linear(xs[0], xs[1], xs[2]), InputSpec.Of(6, 13), InputSpec.Of(5, 13), InputSpec.Of(5));
        Check(device, dtype, xs => Tensor.Linear(xs[0], xs[1]), InputSpec.Of(2, 3, 4), InputSpec.Of(3, 4));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void Gemm_AccumulateAndOffsets_MatchCpuBackend(string target)
    {
        // The primitive directly: C += A^T B on sub-blocks at offsets, batch 2 with A broadcast (stride 0).
        var device = IlgpuTargets.Require(target);
        var values = Enumerable.Range(0, 200).Select(i => Math.Cos(i * 0.37)).ToArray();
        double[] Run(Device on)
        {
            var a = Tensor.From(values[..60], [60], device: on);
            var b = Tensor.From(values[60..140], [80], device: on);
            var c = Tensor.From(values[140..200], [60], device: on);
            // A: [k=4, m=3] at offset 2 (lda 5); B: [k=4, n=5] per batch (ldb 5, batch stride 20) at offset 0; C at offset 4, ldc 6.
            c.Backend.Gemm(true, false, 3, 5, 4, a.Storage, 2, 5, 0, b.Storage, 0, 5, 20, c.Storage, 4, 6, 25, 2, accumulate: true);
            return c.ToArray<double>();
        }

        var expected = Run(Device.Cpu);
        var actual = Run(device);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    public static TheoryData<string, bool, bool> SplitKCases
    {
        get
        {
            var data = new TheoryData<string, bool, bool>();
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.WideSimulator, IlgpuTargets.Cuda })
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        data.Add(device, transA, transB);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(SplitKCases))]
    public void Gemm_FewTilesLongK_SplitsKAndMatchesCpuBackend(string target, bool transA, bool transB)
    {
        // 5 x 7 output, K = 1000: one tile, so K is cut into slices (a convolution's weight gradient has this shape);
        // C is a strided block at an offset and accumulated into, and K is no multiple of the slice or of TileK.
        var device = IlgpuTargets.Require(target);
        const int m = 5, n = 7, k = 1000, ldc = 9;
        var av = Enumerable.Range(0, m * k).Select(i => Math.Sin(i * 0.013)).ToArray();
        var bv = Enumerable.Range(0, k * n).Select(i => Math.Cos(i * 0.029)).ToArray();
        var cv = Enumerable.Range(0, 3 + (m * ldc)).Select(i => i * 0.5).ToArray();
        double[] Run(Device on)
        {
            var a = Tensor.From(av, [av.Length], device: on);
            var b = Tensor.From(bv, [bv.Length], device: on);
            var c = Tensor.From(cv, [cv.Length], device: on);
            c.Backend.Gemm(transA, transB, m, n, k, a.Storage, 0, transA ? m : k, 0, b.Storage, 0, transB ? k : n, 0, c.Storage, 3, ldc, 0, 1, accumulate: true);
            return c.ToArray<double>();
        }

        var backend = (Autograd.Backends.Ilgpu.IlgpuBackend)Tensor.Zeros([1], DType.Float64, device).Backend;
        Assert.True(backend.SplitKSlices(new Autograd.Backends.Ilgpu.GemmArgs { M = m, N = n, K = k }) > 1, "this shape must take the split-K path");
        var expected = Run(Device.Cpu);
        var actual = Run(device);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-9);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void MatMul_LongInnerDimension_MatchesCpuBackend(string target)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, DType.Float32, xs => xs[0].MatMul(xs[1]), InputSpec.Of(20, 1500), InputSpec.Of(1500, 30));
    }
}
