using Autograd.Cluster.Contracts.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
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

        Assert.Equal([0x00, 0x00, 0x80, 0x3F], block.Bytes);
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
}
