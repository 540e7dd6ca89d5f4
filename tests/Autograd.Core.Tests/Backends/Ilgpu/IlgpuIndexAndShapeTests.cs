using Autograd;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuIndexAndShapeTests
{
    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void IndexSelect_WithRepeatedIndices_MatchesCpuBackend(string target, DType dtype)
    {
        // Repeated indices make the gradient's index_add hit one row several times (atomic adds on the device).
        var device = IlgpuTargets.Require(target);
        long[] index = [2, 0, 2, 2, 3];
        Check(device, dtype, xs => xs[0].IndexSelect(0, Tensor.From(index, [5], xs[0].Device)), InputSpec.Of(4, 3));
        Check(device, dtype, xs => xs[0].IndexSelect(1, Tensor.From(index, [5], xs[0].Device)), InputSpec.Of(2, 4, 3));
        Check(device, dtype, xs => xs[0].IndexSelect(-1, Tensor.From(index, [5], xs[0].Device)), InputSpec.Of(3, 4));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void IndexSelect_OfInt64Values_MatchesCpuBackend(string target)
    {
        var device = IlgpuTargets.Require(target);
        var x = Tensor.From([10L, 11, 12, 13], [4], device);
        Assert.Equal([13L, 10, 13], x.IndexSelect(0, Tensor.From([3L, 0, 3], [3], device)).ToArray<long>());
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void IndexOutOfRange_ThrowsAtTheNextRead_AndTheBackendRecovers(string target)
    {
        var device = IlgpuTargets.Require(target);
        var x = Tensor.Ones([4, 3], DType.Float32, device);
        var y = x.IndexSelect(0, Tensor.From([1L, 7], [2], device));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => y.ToArray());
        Assert.Contains("index_select: index 7 is out of bounds for dimension with size 4", error.Message);

        // The error is reported once; the device keeps working.
        Assert.Equal(new float[] { 1, 1, 1 }, x.IndexSelect(0, Tensor.From([3L], [1], device)).ToArray());
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void StridedCopies_PermuteExpandSliceCatStack_MatchCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].Permute(2, 0, 1), InputSpec.Of(2, 3, 4));
        Check(device, dtype, xs => xs[0].Expand(3, 2, 4), InputSpec.Of(2, 1));
        Check(device, dtype, xs => xs[0].Slice(1, 1, 6, 2), InputSpec.Of(3, 7));
        Check(device, dtype, xs => xs[0][1..3], InputSpec.Of(4, 2));
        Check(device, dtype, xs => Tensor.Cat([xs[0], xs[1]], 1), InputSpec.Of(2, 3), InputSpec.Of(2, 5));
        Check(device, dtype, xs => Tensor.Stack([xs[0], xs[1]], 2), InputSpec.Of(2, 3), InputSpec.Of(2, 3));
        Check(device, dtype, xs => xs[0].Transpose(0, 1).Clone() * 2, InputSpec.Of(5, 3));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void Permute_OfEightDimensions_SplitsOnTheHost_AndMatchesCpuBackend(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        Check(device, dtype, xs => xs[0].Permute(7, 6, 5, 4, 3, 2, 1, 0), InputSpec.Of(2, 2, 2, 2, 2, 2, 2, 3));
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void Factories_OnDevice_MatchCpu(string target)
    {
        var device = IlgpuTargets.Require(target);
        AssertClose(Tensor.Arange(0, 5, 0.5, DType.Float64), Tensor.Arange(0, 5, 0.5, DType.Float64, device), "arange");
        AssertClose(Tensor.Eye(4), Tensor.Eye(4, device: device), "eye");
        AssertClose(Tensor.Full([2, 3], -1.5), Tensor.Full([2, 3], -1.5, device: device), "full");
        AssertClose(Tensor.Zeros([3], DType.Int64), Tensor.Zeros([3], DType.Int64, device), "zeros");
        AssertClose(Tensor.Ones([0, 3], DType.Float32), Tensor.Ones([0, 3], DType.Float32, device), "empty");
        var scalar = Tensor.Scalar(2.5, DType.Float64, device);
        Assert.Equal(2.5, scalar.ItemDouble());
        Assert.Equal(device, scalar.Device);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void InPlaceOps_OnDevice_MatchCpu(string target)
    {
        var device = IlgpuTargets.Require(target);
        var a = Tensor.From([1f, 2, 3], [3], device: device);
        a.Add_(Tensor.From([1f, 1, 1], [3], device: device)).Mul_(2);
        Assert.Equal(new float[] { 4, 6, 8 }, a.ToArray());
        a.Copy_(Tensor.From([5.0, 6, 7], [3], device: device));
        Assert.Equal(new float[] { 5, 6, 7 }, a.ToArray());
        a.Fill_(9);
        Assert.Equal(new float[] { 9, 9, 9 }, a.ToArray());
    }
}
