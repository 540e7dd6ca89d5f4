using Autograd;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuReductionTests
{
    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void SumAndMean_OverEveryAxisForm_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var x = InputSpec.Of(3, 4, 5);
        Check(device, dtype, xs => xs[0].Sum(), x);
        Check(device, dtype, xs => xs[0].Sum(1), x);
        Check(device, dtype, xs => xs[0].Sum([0, 2], keepdim: true), x);
        Check(device, dtype, xs => xs[0].Mean(-1), x);
        Check(device, dtype, xs => xs[0].Var(1), x);
        Check(device, dtype, xs => xs[0].LogSumExp(2), x);
    }

    public static TheoryData<string, DType> GroupReductionTargets
    {
        get
        {
            var data = IlgpuTargets.DevicesAndDTypes;
            data.Add(IlgpuTargets.WideSimulator, DType.Float32);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(GroupReductionTargets))]
    public void LongRows_UseTheGroupReduction_AndMatchCpuBackend(string target, DType dtype)
    {
        // Rows of 300 (>= 64, inner 1) are reduced by a whole group each; 1000 elements summed as one row too.
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].Sum(1), InputSpec.Of(5, 300));
        Check(device, dtype, xs => xs[0].Max(1).Values, InputSpec.Of(5, 300));
        Check(device, dtype, xs => xs[0].Mean(), InputSpec.Of(10, 100));
        Check(device, dtype, xs => xs[0].Min(), InputSpec.Of(1000));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void MaxMinAndArgReductions_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var x = InputSpec.Of(4, 6, 3);
        Check(device, dtype, xs => xs[0].Max(), x);
        Check(device, dtype, xs => xs[0].Min(), x);
        Check(device, dtype, xs => xs[0].Max(1).Values, x);
        Check(device, dtype, xs => xs[0].Min(2, keepdim: true).Values, x);
        Check(device, dtype, xs => xs[0].Max(1).Indices, x);
        Check(device, dtype, xs => xs[0].Argmax(), x);
        Check(device, dtype, xs => xs[0].Argmin(0), x);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void MaxWithTies_SharesGradientAsCpuDoes(string target)
    {
        var device = IlgpuTargets.Require(target);
        var values = new double[] { 1, 3, 3, -2, 3, 0 };
        var cpu = Tensor.From(values, [6], requiresGrad: true);
        var dev = Tensor.From(values, [6], requiresGrad: true, device: device);
        cpu.Max().Backward();
        dev.Max().Backward();
        AssertClose(cpu.Grad!, dev.Grad!, "tie gradient");
    }

    [Theory]
    [InlineData(IlgpuTargets.IlgpuCpu)]
    [InlineData(IlgpuTargets.Cuda)]
    [InlineData(IlgpuTargets.WideSimulator)]
    public void SumOfSquares_MatchesCpuBackend(string target)
    {
        var device = IlgpuTargets.Require(target);
        var values = Enumerable.Range(0, 1000).Select(i => Math.Sin(i) * 3).ToArray();
        var cpu = Tensor.From(values, [1000]);
        var dev = Tensor.From(values, [1000], device: device);
        double expected = cpu.Backend.SumOfSquares(cpu.Storage);
        Assert.Equal(expected, dev.Backend.SumOfSquares(dev.Storage), 1e-9);
        var f32 = dev.Float();
        Assert.Equal(expected, f32.Backend.SumOfSquares(f32.Storage), 1e-2);
        Assert.Equal(0.0, Tensor.Zeros([0], DType.Float32, device).Backend.SumOfSquares(Tensor.Zeros([0], DType.Float32, device).Storage));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void SoftmaxAndLogSoftmax_AlongEachAxis_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var x = new InputSpec([3, 5, 4], -4, 4);
        Check(device, dtype, xs => xs[0].Softmax(-1), x);
        Check(device, dtype, xs => xs[0].Softmax(1), x);
        Check(device, dtype, xs => xs[0].LogSoftmax(0), x);
        Check(device, dtype, xs => xs[0].LogSoftmax(2), x);
    }
}
