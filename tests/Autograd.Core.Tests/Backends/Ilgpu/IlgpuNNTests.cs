using Autograd;
using Autograd.NN;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;
using F = Autograd.NN.Functional;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuNNTests
{
    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void CrossEntropyAndNllLoss_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        long[] labels = [2, 0, 4, 4, 1, 3];
        Check(device, dtype, xs => F.CrossEntropy(xs[0], Tensor.From(labels, [6], xs[0].Device)), InputSpec.Of(6, 5));
        Check(device, dtype, xs => F.CrossEntropy(xs[0], Tensor.From(labels, [6], xs[0].Device), Reduction.Sum, labelSmoothing: 0.1), InputSpec.Of(6, 5));
        // Spatial targets: [N, C, d] with [N, d] labels (gather with inner > 1).
        Check(device, dtype, xs => F.NllLoss(xs[0].LogSoftmax(1), Tensor.From(labels, [2, 3], xs[0].Device)), InputSpec.Of(2, 5, 3));
    }

    public static TheoryData<string, DType, int, int, int> ConvCases
    {
        get
        {
            var data = new TheoryData<string, DType, int, int, int>();
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
            {
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                {
                    data.Add(device, dtype, 1, 0, 1);
                    data.Add(device, dtype, 2, 1, 1);
                    data.Add(device, dtype, 1, 2, 2);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_StridePaddingDilation_MatchesCpuBackend(string target, DType dtype, int stride, int padding, int dilation)
    {
        var device = IlgpuTargets.Require(target);
        Check(
            device,
            dtype,
            xs => F.Conv2d(xs[0], xs[1], xs[2], stride: stride, padding: padding, dilation: dilation),
            InputSpec.Of(2, 3, 7, 6),
            InputSpec.Of(4, 3, 3, 3),
            InputSpec.Of(4));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Im2ColAndCol2Im_Primitives_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var g = new Autograd.Backends.WindowGeometry(2, 2, 5, 6, 3, 2, 2, 1, 1, 1, 1, 2);
        int rows = g.Channels * g.KernelH * g.KernelW, cols = g.Batch * g.OutH * g.OutW;
        var values = Enumerable.Range(0, Math.Max(rows * cols, 2 * 2 * 5 * 6)).Select(i => Math.Sin(i * 0.7)).ToArray();
        (Tensor Columns, Tensor Image) Run(Device on)
        {
            var x = Make(values[..(2 * 2 * 5 * 6)], new InputSpec([2, 2, 5, 6], RequiresGrad: false), dtype, on);
            var columns = Tensor.Empty([rows, cols], dtype, on);
            x.Backend.Im2Col(x.Storage, g, columns.Storage);
            var source = Make(values[..(rows * cols)], new InputSpec([rows, cols], RequiresGrad: false), dtype, on);
            var image = Tensor.Empty([2, 2, 5, 6], dtype, on);
            x.Backend.Col2Im(source.Storage, g, image.Storage);
            return (columns, image);
        }

        var expected = Run(Device.Cpu);
        var actual = Run(device);
        AssertClose(expected.Columns, actual.Columns, "im2col");
        AssertClose(expected.Image, actual.Image, "col2im");
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Pooling_OverlappingAndPaddedWindows_MatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var x = InputSpec.Of(2, 3, 7, 6);
        Check(device, dtype, xs => F.MaxPool2d(xs[0], 2), x);
        Check(device, dtype, xs => F.MaxPool2d(xs[0], 3, stride: 2, padding: 1), x);
        Check(device, dtype, xs => F.MaxPool2d(xs[0], (3, 2), (1, 2), (1, 0), (2, 1)), x);
        Check(device, dtype, xs => F.AvgPool2d(xs[0], 2), x);
        Check(device, dtype, xs => F.AvgPool2d(xs[0], 3, stride: 2, padding: 1, countIncludePad: false), x);
        Check(device, dtype, xs => F.AvgPool2d(xs[0], 3, stride: 1, padding: 1, countIncludePad: true), x);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void MaxPool2d_TiesNaNAndNegativeInfinity_RouteLikePyTorch(string target, DType dtype)
    {
        // PyTorch 1.13's F.max_pool2d(..., 2, return_indices=True) on this tensor picks indices [1, 7, 8, 15]: the
        // first of tied maxima, the last NaN, the first position of an all -inf window (as the CPU backend does).
        var device = IlgpuTargets.Require(target);
        double nan = double.NaN, inf = double.PositiveInfinity;
        double[] values = [3, 7, nan, 1, 7, 2, 5, nan, -inf, -inf, 1, 2, -inf, -inf, 3, 4];
        var x = Tensor.From(values, [1, 1, 4, 4]).ToType(dtype).To(device).RequiresGrad_();
        F.MaxPool2d(x, 2).Backward(Tensor.Ones([1, 1, 2, 2], dtype, device));
        var expected = new double[16];
        foreach (int at in new[] { 1, 7, 8, 15 }) expected[at] = 1;
        Assert.Equal(expected, x.Grad!.Double().ToArray<double>());
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void EmbeddingAndNormalisation_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        long[] ids = [3, 1, 3, 0, 3, 2];
        Check(device, dtype, xs => F.Embedding(Tensor.From(ids, [2, 3], xs[0].Device), xs[0]), InputSpec.Of(5, 4));
        Check(device, dtype, xs => F.LayerNorm(xs[0], [4], xs[1], xs[2]), InputSpec.Of(3, 4), InputSpec.Of(4), InputSpec.Of(4));
        Check(device, dtype, xs => F.BatchNorm(xs[0], null, null, xs[1], xs[2], training: true), InputSpec.Of(5, 3, 2, 2), InputSpec.Of(3), InputSpec.Of(3));
        Check(device, dtype, xs => F.Gelu(xs[0]) + F.Sigmoid(xs[0]) + F.LeakyRelu(xs[0]), InputSpec.Of(4, 4));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void DropoutAndRandomFactories_SameSeed_SameValuesAsCpu(string target)
    {
        // Random values are drawn on the host from the generator and uploaded: bit for bit the CPU's for a seed.
        var device = IlgpuTargets.Require(target);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            AssertBitwise(Tensor.Randn([5, 7], dtype, generator: new Generator(3)), Tensor.Randn([5, 7], dtype, device, new Generator(3)));
            AssertBitwise(Tensor.Rand([9], dtype, generator: new Generator(4)), Tensor.Rand([9], dtype, device, new Generator(4)));
            AssertBitwise(Tensor.Uniform([9], -3, 2, dtype, generator: new Generator(5)), Tensor.Uniform([9], -3, 2, dtype, device, new Generator(5)));
            var ones = Tensor.Ones([6, 6], dtype);
            AssertBitwise(F.Dropout(ones, 0.4, generator: new Generator(6)), F.Dropout(ones.To(device), 0.4, generator: new Generator(6)));
        }
    }

    private static void AssertBitwise(Tensor expected, Tensor actual)
    {
        Assert.NotEqual(expected.Device, actual.Device);
        Assert.Equal(expected.ToType(DType.Float64).ToArray<double>(), actual.ToType(DType.Float64).ToArray<double>());
    }
}
