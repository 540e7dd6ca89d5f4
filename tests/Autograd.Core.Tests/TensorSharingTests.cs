using Autograd.Optim;
using Xunit;

namespace Autograd.Tests;

/// <summary><see cref="Tensor.FromArray"/>: a tensor over the caller's array, as torch.from_numpy.</summary>
public sealed class TensorSharingTests
{
    [Fact]
    public void FromArray_WritesThroughEitherSide_ShowInTheOther()
    {
        float[] data = [1f, 2f, 3f, 4f, 5f, 6f];
        using var t = Tensor.FromArray(data, 2, 3);

        data[4] = 50f;
        t.Copy_([6f, 5f, 4f, 3f, 2f, 1f]);

        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([6f, 5f, 4f, 3f, 2f, 1f], data);
        data[0] = -1f;
        Assert.Equal(-1f, t.ToArray()[0]);
    }

    [Fact]
    public void FromArray_UpdatedByAnOptimizer_UpdatesTheArrayInPlace()
    {
        float[] values = Enumerable.Range(0, 100).Select(i => i * 0.5f).ToArray();
        float[] gradient = Enumerable.Range(0, 100).Select(i => 1f - (i * 0.01f)).ToArray();
        var parameter = Tensor.FromArray(values).RequiresGrad_();
        using var grad = Tensor.FromArray(gradient);
        var reference = Tensor.From(values, [100], requiresGrad: true);

        parameter.Grad = grad;
        reference.Grad = Tensor.From(gradient, [100]);
        new Adam([parameter], lr: 0.1f).Step();
        new Adam([reference], lr: 0.1f).Step();

        Assert.Equal(reference.ToArray(), values);
        parameter.Dispose();
    }

    [Fact]
    public void FromArray_Disposed_LeavesTheArrayToItsOwner()
    {
        float[] data = [1f, 2f, 3f];
        var t = Tensor.FromArray(data);

        t.Dispose();
        data[1] = 20f;

        Assert.Equal([1f, 20f, 3f], data);
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        // The engine's pool never hands the array out again: a fresh tensor of that length is another array.
        using var fresh = Tensor.Zeros(3);
        Assert.Equal([0f, 0f, 0f], fresh.ToArray());
        Assert.Equal([1f, 20f, 3f], data);
    }

    [Fact]
    public void FromArray_ShapeOfAnotherSize_ThrowsNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));

        Assert.Contains("an array of 5 values", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }
}
