using Autograd.Data;
using Xunit;

namespace Autograd.Tests.Data;

public sealed class DataLoaderTests
{
    private static TensorDataset Numbers(int count) =>
        new(Tensor.Arange(count).Reshape(count, 1), Tensor.From(Enumerable.Range(0, count).Select(i => (long)i).ToArray(), [count]));

    [Fact]
    public void Enumerate_Sequential_YieldsBatchesInOrderWithPartialLast()
    {
        var loader = new DataLoader(Numbers(10), batchSize: 4);
        var batches = loader.Select(b => b[1].ToArray<long>()).ToList();
        Assert.Equal(3, loader.Count);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public void Enumerate_DropLast_SkipsPartialBatch()
    {
        var loader = new DataLoader(Numbers(10), batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.Count);
        Assert.Equal(2, loader.Count());
    }

    [Fact]
    public void Enumerate_Shuffle_IsPermutationSeededAndNewEachEpoch()
    {
        var loader = new DataLoader(Numbers(50), batchSize: 7, shuffle: true, generator: new Generator(3));
        var epoch1 = loader.SelectMany(b => b[1].ToArray<long>()).ToArray();
        var epoch2 = loader.SelectMany(b => b[1].ToArray<long>()).ToArray();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), epoch1.Order());
        Assert.NotEqual(epoch1, epoch2);

        var again = new DataLoader(Numbers(50), batchSize: 7, shuffle: true, generator: new Generator(3));
        Assert.Equal(epoch1, again.SelectMany(b => b[1].ToArray<long>()).ToArray());
    }

    [Fact]
    public void Batch_FieldsStayAligned()
    {
        var loader = new DataLoader(Numbers(20), batchSize: 6, shuffle: true, generator: new Generator(1));
        foreach (var (x, y) in loader)
        {
            Assert.Equal(y.Shape[0], x.Shape[0]);
            Assert.Equal(y.ToArray<long>().Select(v => (float)v), x.ToArray());
        }
    }

    [Fact]
    public void Constructor_BadBatchSize_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbers(3), batchSize: 0));
        Assert.Contains("batch_size", ex.Message);
    }

    [Fact]
    public void TensorDataset_MismatchedFirstDimension_ThrowsNamingShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(4, 2), Tensor.Zeros(3)));
        Assert.Contains("[4, 2]", ex.Message);
        Assert.Contains("[3]", ex.Message);
    }

    [Fact]
    public void Subset_MapsIndicesAndRejectsOutOfRange()
    {
        var subset = new Subset(Numbers(10), [7, 2, 5]);
        Assert.Equal([7L, 2L, 5L], subset.GetBatch([0, 1, 2])[1].ToArray<long>());
        Assert.Equal(2L, subset.Get(1)[1].ToArray<long>()[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Subset(Numbers(10), [10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => subset.Get(3));
    }

    [Fact]
    public void DefaultGetBatch_StacksSamples()
    {
        var dataset = new PairsDataset();
        var (x, y) = dataset.GetBatch([2, 0]);
        Assert.Equal([2, 3], x.Shape);
        Assert.Equal([2f, 2f, 2f, 0f, 0f, 0f], x.ToArray());
        Assert.Equal([4f, 0f], y.ToArray());
    }

    [Theory]
    [InlineData(10, 3, false)]
    [InlineData(10, 3, true)]
    [InlineData(9, 3, false)]
    [InlineData(11, 4, true)]
    public void DistributedSampler_ShardsAreDisjointAndCoverTheEpoch(int count, int replicas, bool dropLast)
    {
        var shards = Enumerable.Range(0, replicas)
            .Select(r => new DistributedSampler(count, replicas, r, shuffle: true, seed: 5, dropLast: dropLast) { Epoch = 2 }.EpochIndices())
            .ToArray();
        Assert.All(shards, s => Assert.Equal(shards[0].Count, s.Count));
        var all = shards.SelectMany(s => s).ToArray();
        if (dropLast)
        {
            Assert.Equal(all.Length, all.Distinct().Count());
            Assert.Equal(count / replicas * replicas, all.Length);
        }
        else
        {
            // Padding wraps around: every index appears, at most replicas-1 of them twice.
            Assert.Equal(count, all.Distinct().Count());
            Assert.True(all.Length - count < replicas);
        }
    }

    [Fact]
    public void DistributedSampler_SameSeedAndEpochGiveSamePermutation_NewEpochChangesIt()
    {
        var a = new DistributedSampler(100, 2, 0, seed: 9) { Epoch = 1 };
        var b = new DistributedSampler(100, 2, 0, seed: 9) { Epoch = 1 };
        Assert.Equal(a.EpochIndices(), b.EpochIndices());
        b.Epoch = 2;
        Assert.NotEqual(a.EpochIndices(), b.EpochIndices());
    }

    [Fact]
    public void DistributedSampler_InterleavesByRank()
    {
        var rank1 = new DistributedSampler(6, 2, 1, shuffle: false).EpochIndices();
        Assert.Equal([1, 3, 5], rank1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(6, 2, 2));
    }

    [Fact]
    public void DataLoader_WithDistributedSampler_CountsItsShard()
    {
        var sampler = new DistributedSampler(10, 3, 0, shuffle: false);
        var loader = new DataLoader(Numbers(10), batchSize: 2, sampler: sampler);
        Assert.Equal(2, loader.Count);
        Assert.Equal([0L, 3L, 6L, 9L], loader.SelectMany(b => b[1].ToArray<long>()));
    }

    private sealed class PairsDataset : Dataset
    {
        public override int Count => 3;

        public override Tensor[] Get(int index) => [Tensor.Full([3], index), Tensor.Scalar(index * 2)];
    }
}
