using Xunit;

namespace Autograd.Tests;

/// <summary>Copying a tensor's values from and into spans (PyTorch's <c>copy_</c> from host memory).</summary>
public sealed class TensorSpansTests
{
    [Fact]
    public void CopyFromSpan_OverwritesInPlaceKeepingTheShape()
    {
        using var t = Tensor.Zeros(2, 3);
        var result = t.Copy_(new float[] { 1, 2, 3, 4, 5, 6 });
        Assert.Same(t, result);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], t.ToArray());
        t.Copy_(new float[] { 6, 5, 4, 3, 2, 1 });
        Assert.Equal([6f, 5f, 4f, 3f, 2f, 1f], t.ToArray());
    }

    [Fact]
    public void CopyTo_WritesTheRowMajorValuesIntoTheSpan()
    {
        using var t = Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2);
        var destination = new float[4];
        t.CopyTo(destination);
        Assert.Equal(t.ToArray(), destination);
    }

    [Fact]
    public void CopyTo_ThenCopyFromSpan_RoundTripsALargeTensor()
    {
        var values = Enumerable.Range(0, 100_003).Select(i => (float)Math.Sin(i)).ToArray();
        using var source = Tensor.From(values, values.Length);
        using var target = Tensor.Zeros(values.Length);
        var buffer = new float[values.Length];
        source.CopyTo(buffer);
        target.Copy_(buffer);
        Assert.Equal(values, target.ToArray());
    }

    [Fact]
    public void CopyRanges_WriteAndReadPartsInPlace()
    {
        using var t = Tensor.Zeros(2, 3);
        t.Copy_(new float[] { 7, 8 }, offset: 2);
        t.Copy_(new float[] { 1 }, offset: 0);
        Assert.Equal([1f, 0f, 7f, 8f, 0f, 0f], t.ToArray());
        Assert.Equal([2, 3], t.Shape);

        var middle = new float[3];
        t.CopyTo(middle, offset: 1);
        Assert.Equal([0f, 7f, 8f], middle);
        t.Copy_(ReadOnlySpan<float>.Empty, offset: 6);
        t.CopyTo(Span<float>.Empty, offset: 6);
    }

    [Fact]
    public void CopyRanges_OutsideTheTensor_ThrowNamingTheOpOffsetAndShape()
    {
        using var t = Tensor.Zeros(2, 3);
        var past = Assert.Throws<ArgumentException>(() => t.Copy_(new float[2], offset: 5));
        Assert.Contains("Copy_: 2 values at offset 5", past.Message);
        Assert.Contains("6 elements", past.Message);
        var negative = Assert.Throws<ArgumentException>(() => t.CopyTo(new float[1], offset: -1));
        Assert.Contains("CopyTo: 1 values at offset -1", negative.Message);
        using var ints = Tensor.From(new long[] { 1, 2 });
        Assert.Contains("int64", Assert.Throws<InvalidOperationException>(() => ints.Copy_(new float[1], 0)).Message);
        using var leaf = Tensor.Zeros([2], DType.Float32, requiresGrad: true);
        Assert.Contains("Copy_", Assert.Throws<InvalidOperationException>(() => leaf.Copy_(new float[1], 1)).Message);
    }

    [Fact]
    public void CopySpans_OfTheWrongLength_ThrowNamingTheOpAndShape()
    {
        using var t = Tensor.Zeros(2, 3);
        var tooShort = Assert.Throws<ArgumentException>(() => t.Copy_(new float[5]));
        Assert.Contains("Copy_", tooShort.Message);
        Assert.Contains("5 values", tooShort.Message);
        Assert.Contains("6 elements", tooShort.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => t.CopyTo(new float[7]));
        Assert.Contains("CopyTo", tooLong.Message);
        Assert.Contains("7 values", tooLong.Message);
    }

    [Fact]
    public void CopySpans_OnANonFloatTensor_ThrowNamingTheDType()
    {
        using var t = Tensor.From(new long[] { 1, 2 });
        var e = Assert.Throws<InvalidOperationException>(() => t.CopyTo(new float[2]));
        Assert.Contains("int64", e.Message);
        Assert.Throws<InvalidOperationException>(() => t.Copy_(new float[2]));
    }

    [Fact]
    public void CopyFromSpan_IntoALeafThatRequiresGrad_NeedsNoGrad()
    {
        using var leaf = Tensor.Zeros([2], DType.Float32, requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => leaf.Copy_(new float[] { 1, 2 }));
        Assert.Contains("Copy_", e.Message);
        using (Tensor.NoGrad()) leaf.Copy_(new float[] { 1, 2 });
        Assert.Equal([1f, 2f], leaf.ToArray());
    }
}
