using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Checkpoints;

public sealed class CheckpointSlicesTests
{
    // Two parameters of 6 and 5 elements, then a buffer the shards never hold.
    private static readonly ParameterEntry[] Layout =
    [
        new("0.weight", [2, 3], 0, false, "float32"),
        new("0.bias", [5], 6, false, "float32"),
        new("1.running_mean", [5], 11, true, "float32"),
    ];

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    [InlineData(1, 4)]
    [InlineData(4, 2)]
    public void Assemble_RecordsOfOneLayout_RestoreAnyOtherLayoutExactly(int writers, int readers)
    {
        var values = Enumerable.Range(0, 11).Select(i => i + 0.5f).ToArray();
        var expAvg = values.Select(v => -v).ToArray();
        var expAvgSq = values.Select(v => v * v).ToArray();
        var records = ShardPartition.Split(11, writers, writers).Select(r => new ShardCheckpoint
        {
            Step = 7,
            OptimizerStep = 7,
            StateNames = ["exp_avg", "exp_avg_sq"],
            Entries = CheckpointSlices.Cut(Layout, r, values[(int)r.Offset..(int)(r.Offset + r.Count)], [expAvg[(int)r.Offset..(int)(r.Offset + r.Count)], expAvgSq[(int)r.Offset..(int)(r.Offset + r.Count)]]),
        }).ToArray();

        foreach (var range in ShardPartition.Split(11, readers, readers))
        {
            var (slice, names, state, step) = CheckpointSlices.Assemble(Layout, range, records);

            var expected = (int)range.Offset..(int)(range.Offset + range.Count);
            Assert.Equal(values[expected], slice);
            Assert.Equal(["exp_avg", "exp_avg_sq"], names);
            Assert.Equal(expAvg[expected], state[0]);
            Assert.Equal(expAvgSq[expected], state[1]);
            Assert.Equal(7, step);
        }
    }

    [Fact]
    public void Cut_SliceAcrossTwoParameters_NamesEachPartWithItsOffsetInTheParameter()
    {
        var entries = CheckpointSlices.Cut(Layout, new ShardRange(1, 4, 4), [1, 2, 3, 4], []);

        Assert.Equal(["0.weight", "0.bias"], entries.Select(e => e.Name));
        Assert.Equal([4L, 0L], entries.Select(e => e.Start));
        Assert.Equal([1f, 2f], entries[0].Values.ToArray());
        Assert.Equal([3f, 4f], entries[1].Values.ToArray());
    }

    [Fact]
    public void Assemble_RecordMissing_ThrowsNamingTheFirstUncoveredElement()
    {
        var first = new ShardCheckpoint { Entries = CheckpointSlices.Cut(Layout, new ShardRange(0, 0, 6), new float[6], []) };

        var error = Assert.Throws<InvalidDataException>(() => CheckpointSlices.Assemble(Layout, new ShardRange(0, 0, 11), [first]));

        Assert.Contains("does not cover element 6", error.Message);
    }

    [Fact]
    public void Assemble_UnknownParameterName_IsRefused()
    {
        var record = new ShardCheckpoint { Entries = [new CheckpointEntry("9.weight", 0, FloatBlock.From([1f]), [])] };

        var error = Assert.Throws<InvalidDataException>(() => CheckpointSlices.Assemble(Layout, new ShardRange(0, 0, 11), [record]));

        Assert.Contains("'9.weight'", error.Message);
    }
}
