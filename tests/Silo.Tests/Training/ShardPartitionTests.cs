using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class ShardPartitionTests
{
    [Theory]
    [InlineData(10, 0, 3, 100, 3)]
    [InlineData(10, 4, 3, 100, 4)]
    [InlineData(2, 0, 3, 100, 2)]
    [InlineData(1000, 1, 1, 300, 4)]
    public void Split_CoversTheVectorContiguouslyWithinTheLimit(long total, int requested, int workers, int max, int expectedShards)
    {
        var ranges = ShardPartition.Split(total, requested, workers, max);

        Assert.Equal(expectedShards, ranges.Length);
        long offset = 0;
        for (int s = 0; s < ranges.Length; s++)
        {
            Assert.Equal(s, ranges[s].Index);
            Assert.Equal(offset, ranges[s].Offset);
            Assert.InRange(ranges[s].Count, 1, max);
            offset += ranges[s].Count;
        }

        Assert.Equal(total, offset);
        Assert.True(ranges.Max(r => r.Count) - ranges.Min(r => r.Count) <= 1);
    }

    [Fact]
    public void Split_NoParameters_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPartition.Split(0, 0, 2));
}
