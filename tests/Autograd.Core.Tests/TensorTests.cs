using Xunit;

namespace Autograd.Tests;

/// <summary>The Tensor object itself: shape, flags, Grad assignment, disposal.</summary>
public sealed class TensorTests
{
    [Fact]
    public void Shape_IsACopy()
    {
        var t = Tensor.Zeros(2, 3);
        var shape = t.Shape;
        shape[0] = 99;
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(2, t.Dim);
        Assert.Equal(6, t.Numel);
    }

    [Fact]
    public void RequiresGrad_OnlyForFloatingPoint()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.From(new long[] { 1 }).RequiresGrad = true);
        Assert.Contains("torch.int64", ex.Message);
        Assert.True(Tensor.Zeros([1], DType.Float64).RequiresGrad_().RequiresGrad);
    }

    [Fact]
    public void Dispose_IsIdempotent_AndLaterUseThrowsObjectDisposed()
    {
        var t = Tensor.Ones(2);
        Assert.False(t.IsDisposed);
        t.Dispose();
        t.Dispose();
        Assert.True(t.IsDisposed);
        foreach (var use in new Action[] { () => t.ToArray(), () => _ = t.Numel, () => _ = t.DType, () => _ = t + t, () => t.Sum(), () => t.Detach(), () => t.Fill_(1) })
        {
            var ex = Assert.Throws<ObjectDisposedException>(use);
            Assert.Contains("disposed", ex.Message);
        }

        // the shape stays readable, so error messages can name it
        Assert.Equal([2], t.Shape);
    }

    [Fact]
    public void Grad_AssignedGradEscapesScopes()
    {
        var w = Tensor.Zeros([2], DType.Float32, requiresGrad: true);
        using (new TensorScope()) w.Grad = Tensor.Ones(2);
        Assert.False(w.Grad!.IsDisposed);
    }

    [Fact]
    public void Grad_AssignmentOfWrongShapeOrDType_ThrowsNamingBoth()
    {
        var w = Tensor.Zeros([2, 3], DType.Float32, requiresGrad: true);
        var ex = Assert.Throws<ArgumentException>(() => w.Grad = Tensor.Zeros(3, 2));
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        var dtype = Assert.Throws<ArgumentException>(() => w.Grad = Tensor.Zeros([2, 3], DType.Float64));
        Assert.Contains("torch.float64", dtype.Message);
    }
}
