using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Contracts;

public sealed class FloatBlockTests
{
    [Fact]
    public void From_CopyTo_RoundTripsEveryBitPattern()
    {
        float[] values = [0f, -0f, 1.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, -3.25e-20f];

        var block = FloatBlock.From(values);

        Assert.Equal(values.Length, block.Count);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), block.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Bytes_AreLittleEndianFloats()
    {
        var block = FloatBlock.From([1f]);

        Assert.Equal([0x00, 0x00, 0x80, 0x3F], block.Bytes.ToArray());
    }

    [Fact]
    public void Wrap_SharesTheArrayWithoutCopying()
    {
        float[] values = [1f, 2f, 3f];

        var block = FloatBlock.Wrap(values);
        values[1] = 5f; // only to observe the sharing: a real caller never writes after wrapping

        Assert.Equal([1f, 5f, 3f], block.Span.ToArray());
    }

    [Fact]
    public void From_CopiesSoLaterWritesDoNotShow()
    {
        float[] values = [1f, 2f];

        var block = FloatBlock.From(values);
        values[0] = 9f;

        Assert.Equal([1f, 2f], block.ToArray());
    }

    [Fact]
    public void OrleansCopier_ReturnsTheSameBlock()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var copier = services.GetRequiredService<DeepCopier>();
        var block = FloatBlock.From([1f, 2f]);

        Assert.Same(block, copier.Copy(block));
        Assert.Same(block, copier.Copy(new GradientContribution(1, 0, 0, 2, block)).Gradient);
    }

    [Fact]
    public void OrleansSerializer_MessageHoldingBlocks_RoundTripsEveryBitPattern()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        float[] values = [0f, -0f, 1.5f, float.NaN, float.NegativeInfinity, float.Epsilon, -3.25e-20f];
        var message = new GradientContribution(7, 2, 1, 64, FloatBlock.From(values));

        var back = serializer.Deserialize<GradientContribution>(serializer.SerializeToArray(message));

        Assert.NotNull(back);
        Assert.Equal((7L, 2, 1, 64), (back.Step, back.Epoch, back.Rank, back.Samples));
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Gradient.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void OrleansSerializer_EmptyBlock_RoundTrips()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var back = serializer.Deserialize<FloatBlock>(serializer.SerializeToArray(FloatBlock.Empty));

        Assert.NotNull(back);
        Assert.Equal(0, back.Count);
    }

    [Fact]
    public void CopyTo_WrongLength_Throws()
    {
        var block = FloatBlock.From([1f, 2f]);

        Assert.Throws<ArgumentException>(() => block.CopyTo(new float[3]));
    }

    [Fact]
    public void OrleansSerializer_WritesTheBlockAsOneByteRun()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var values = Enumerable.Range(0, 10_000).Select(i => (float)Math.Sin(i)).ToArray();

        byte[] asBlock = serializer.SerializeToArray(FloatBlock.From(values));
        byte[] asArray = serializer.SerializeToArray(values);
        var back = serializer.Deserialize<FloatBlock>(asBlock);

        Assert.NotNull(back);
        Assert.Equal(values, back.ToArray());
        Assert.InRange(asBlock.Length, 40_000, 40_064);
        Assert.True(asArray.Length > asBlock.Length, $"float[] took {asArray.Length} bytes, the block {asBlock.Length}");
    }

    [Fact]
    public void WrapRange_Slice_ViewTheRangeWithoutCopying()
    {
        float[] values = [0f, 1f, 2f, 3f, 4f, 5f];

        var block = FloatBlock.Wrap(values, 1, 4);
        var inner = block.Slice(2, 2);

        Assert.Equal([1f, 2f, 3f, 4f], block.ToArray());
        Assert.Equal([3f, 4f], inner.Span.ToArray());
        Assert.Same(block, block.Slice(0, 4));
        var copied = new float[2];
        inner.CopyTo(copied);
        Assert.Equal([3f, 4f], copied);
        values[3] = 9f; // only to observe the sharing
        Assert.Equal(9f, inner.Span[0]);
    }

    [Fact]
    public void WrapRange_Slice_OutsideTheValues_ThrowNamingTheRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FloatBlock.Wrap(new float[4], 3, 2));
        Assert.Contains("[3, 5)", e.Message);
        var block = FloatBlock.Wrap(new float[4], 1, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => block.Slice(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => block.Slice(-1, 1));
    }

    [Fact]
    public void OrleansSerializer_SliceOfALargerArray_SendsOnlyTheSlice()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();

        byte[] whole = serializer.SerializeToArray(FloatBlock.Wrap(values));
        byte[] bytes = serializer.SerializeToArray(FloatBlock.Wrap(values, 100, 10));
        var back = serializer.Deserialize<FloatBlock>(bytes);

        Assert.NotNull(back);
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (float)i), back.ToArray());
        Assert.True(bytes.Length < whole.Length - (900 * sizeof(float)), $"{bytes.Length} bytes for 10 of {whole.Length} for 1000 floats");
    }
}
