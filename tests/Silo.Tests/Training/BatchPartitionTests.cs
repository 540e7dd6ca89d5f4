using Autograd.Cluster.Silo.Training;
using Autograd.Data;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class BatchPartitionTests
{
    [Theory]
    [InlineData(50, 12, 1)]
    [InlineData(50, 12, 2)]
    [InlineData(50, 12, 3)]
    [InlineData(10, 10, 3)]
    [InlineData(7, 3, 3)]
    public void RankIndices_AllRanks_AreDisjointAndMakeTheDataLoadersBatch(int samples, int batchSize, int worldSize)
    {
        var order = BatchPartition.EpochOrder(samples, shuffle: true, seed: 5, epoch: 1);
        var sampler = new DistributedSampler(samples, 1, 0, shuffle: true, seed: 5) { Epoch = 1 };
        var loaderBatches = new DataLoader(new TensorDataset(Tensor.Arange(samples, DType.Int64)), batchSize, sampler: sampler)
            .Select(b => b[0].ToArray<long>().Select(v => (int)v).ToArray())
            .ToList();

        Assert.Equal(loaderBatches.Count, BatchPartition.StepsPerEpoch(samples, batchSize, dropLast: false));
        for (int batch = 0; batch < loaderBatches.Count; batch++)
        {
            var parts = Enumerable.Range(0, worldSize).Select(r => BatchPartition.RankIndices(order, batch, batchSize, r, worldSize)).ToList();
            Assert.Equal(loaderBatches[batch].Order(), parts.SelectMany(p => p).Order());
            Assert.True(parts.Max(p => p.Length) - parts.Min(p => p.Length) <= 1);
        }
    }

    [Fact]
    public void RankIndices_FollowTheDistributedSamplerStride()
    {
        var order = Enumerable.Range(100, 10).ToArray();

        Assert.Equal([100, 103, 106, 109], BatchPartition.RankIndices(order, 0, 10, 0, 3));
        Assert.Equal([101, 104, 107], BatchPartition.RankIndices(order, 0, 10, 1, 3));
        Assert.Equal([102, 105, 108], BatchPartition.RankIndices(order, 0, 10, 2, 3));
    }

    [Fact]
    public void RankIndices_ShortLastBatch_LeavesHighRanksEmpty()
    {
        var order = Enumerable.Range(0, 14).ToArray();

        Assert.Equal([12], BatchPartition.RankIndices(order, 1, 12, 0, 3));
        Assert.Equal([13], BatchPartition.RankIndices(order, 1, 12, 1, 3));
        Assert.Empty(BatchPartition.RankIndices(order, 1, 12, 2, 3));
    }

    [Theory]
    [InlineData(50, 12, false, 5)]
    [InlineData(50, 12, true, 4)]
    [InlineData(48, 12, false, 4)]
    [InlineData(5, 12, true, 0)]
    public void StepsPerEpoch_CountsTheShortBatchUnlessDropped(int samples, int batchSize, bool dropLast, int expected) =>
        Assert.Equal(expected, BatchPartition.StepsPerEpoch(samples, batchSize, dropLast));

    [Fact]
    public void EpochOrder_DiffersBetweenEpochsAndRepeatsForTheSameEpoch()
    {
        Assert.Equal(BatchPartition.EpochOrder(100, true, 3, 2), BatchPartition.EpochOrder(100, true, 3, 2));
        Assert.NotEqual(BatchPartition.EpochOrder(100, true, 3, 1), BatchPartition.EpochOrder(100, true, 3, 2));
        Assert.Equal(Enumerable.Range(0, 100), BatchPartition.EpochOrder(100, false, 3, 2));
    }
}
