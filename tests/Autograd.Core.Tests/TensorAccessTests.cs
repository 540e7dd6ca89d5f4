using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>Reading values out, Detach, Clone, dtype conversion and copies.</summary>
public sealed class TensorAccessTests
{
    [Fact]
    public void Item_ReadsTheSingleValueOfAnyDType()
    {
        Assert.Equal(2.5f, Tensor.Scalar(2.5).Item());
        Assert.Equal(0.1, Tensor.From(new[] { 0.1 }).ItemDouble());
        Assert.Equal(7.0, Tensor.From(new long[] { 7 }).ItemDouble());
        Assert.Equal(3f, Tensor.Ones(1, 1, 1).Mul_(3).Item());
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2).Item());
        Assert.Contains("2 elements", ex.Message);
    }

    [Fact]
    public void ToArray_ConvertsOrRequiresMatchingType()
    {
        Assert.Equal([1f, 2f], Tensor.From(new long[] { 1, 2 }).ToArray());
        Assert.Equal([0.5f], Tensor.From(new[] { 0.5 }).ToArray());
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1).ToArray<double>());
        Assert.Contains("ToArray<Single>", ex.Message);
    }

    [Fact]
    public void Clone_CopiesAndIsDifferentiable()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var c = x.Clone();
        Assert.Equal("CloneBackward0", c.GradFn!.Name);
        using (Tensor.NoGrad()) x.Mul_(5);
        Assert.Equal([1f, 2f], c.ToArray());
        (c * 3).Sum().Backward();
        Assert.Equal([3f, 3f], x.Grad!.ToArray());
        GradCheck.Check(xs => xs[0].Clone() * xs[0], GradCheck.Input(1, 2, 3));
        Assert.Equal([4L, 5L], Tensor.From(new long[] { 4, 5 }).Clone().ToArray<long>());
    }

    [Fact]
    public void ToType_BetweenFloats_IsDifferentiableBothWays()
    {
        // float64 -> float32 -> float64: the gradient passes the round trip unchanged (finite differences cannot see
        // through float32 rounding, so this is checked directly)
        var y = Tensor.From(new[] { 0.25, -3.0 }, [2], requiresGrad: true);
        (y.Float().Double() * 4).Sum().Backward();
        Assert.Equal(DType.Float64, y.Grad!.DType);
        Assert.Equal([4.0, 4.0], y.Grad.ToArray<double>());
        var x = Tensor.From(new[] { 1.5f, -2f }, requiresGrad: true);
        var d = x.Double();
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal("ToCopyBackward0", d.GradFn!.Name);
        (d * d).Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal([3f, -4f], x.Grad.ToArray());
        Assert.Same(x, x.Float());
        Assert.Same(x, x.ToType(DType.Float32));
    }

    [Fact]
    public void ToType_ToInt64_Truncates_AndRecordsNoGradient()
    {
        var x = Tensor.From(new[] { 1.7f, -2.7f }, requiresGrad: true);
        var l = x.Long();
        Assert.Equal([1L, -2L], l.ToArray<long>());
        Assert.False(l.RequiresGrad);
        Assert.Equal([1.0, -2.0], l.Double().ToArray<double>());
    }

    [Fact]
    public void Detach_SharesStorage_AndVersionCounter()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var d = x.Detach();
        using (Tensor.NoGrad()) x.Mul_(2);
        Assert.Equal([2f, 4f], d.ToArray());
        Assert.False(d.RequiresGrad);
        d.Add_(Tensor.Ones(2)); // d is a leaf that does not require grad: allowed
        Assert.Equal([3f, 5f], x.ToArray());
    }

    [Fact]
    public void CopyInPlace_ConvertsDTypeAndChecksSize()
    {
        var t = Tensor.Zeros(2, 2);
        t.Copy_(Tensor.From(new[] { 1.0, 2.0, 3.0, 4.0 }));
        Assert.Equal([1f, 2f, 3f, 4f], t.ToArray());
        var ex = Assert.Throws<ArgumentException>(() => t.Copy_(Tensor.Ones(3)));
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2, 2]", ex.Message);
    }

    [Fact]
    public void To_SameDevice_ReturnsItself()
    {
        var t = Tensor.Ones(2);
        Assert.Same(t, t.To(Device.Cpu));
    }
}
