using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class GradientExchangeTests
{
    [Fact]
    public void ChunkRanges_CutEveryShardIntoItsChunksInFlatOrder()
    {
        ShardRange[] shards = [new(0, 0, GradientChunks.Floats + 3), new(1, GradientChunks.Floats + 3, 5)];

        var chunks = GradientExchange.ChunkRanges(shards);

        Assert.Equal(
            [new ShardRange(0, 0, GradientChunks.Floats), new ShardRange(1, GradientChunks.Floats, 3), new ShardRange(2, GradientChunks.Floats + 3, 5)],
            chunks);
    }

    [Fact]
    public void ReduceAsync_BlocksNotMatchingTheShards_ThrowsNamingTheCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => { _ = GradientExchange.ReduceAsync([], [FloatBlock.From([1f])], 0, 0, 0, 1, false); });

        Assert.Contains("1 gradient blocks for 0 shards", e.Message);
    }
}
