using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Training;
using Autograd.NN;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class FlatParametersTests
{
    // 3x4 + 4 + 4x2 + 2 = 26 parameters; these cuts split the first weight, the bias and the second weight.
    private static readonly ShardRange[] Shards = [new(0, 0, 5), new(1, 5, 9), new(2, 14, 12)];

    [Fact]
    public void GradientBlocks_EqualTheFlatGradientCutAtTheShards()
    {
        var model = ModelWithGradients();
        float[] flat = FlatParameters.Gradients(model);

        var blocks = FlatParameters.GradientBlocks(model, Shards);

        Assert.Equal(Shards.Length, blocks.Length);
        for (int s = 0; s < Shards.Length; s++)
            Assert.Equal(flat.AsSpan((int)Shards[s].Offset, Shards[s].Count).ToArray(), blocks[s].ToArray());
        Assert.Contains(flat, v => v != 0f);
    }

    [Fact]
    public void GradientBlocks_ParameterWithoutGradient_GivesZeros()
    {
        var model = Model();

        var blocks = FlatParameters.GradientBlocks(model, Shards);

        Assert.All(blocks.SelectMany(b => b.ToArray()), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Load_FromShardSlices_EqualsLoadingTheFlatVector()
    {
        var values = Enumerable.Range(0, 26).Select(i => (float)((i * 0.37) - 4)).ToArray();
        var fromFlat = Model();
        var fromSlices = Model();

        FlatParameters.Load(fromFlat, values);
        FlatParameters.Load(fromSlices, Shards.Select(r => FloatBlock.From(values.AsSpan((int)r.Offset, r.Count))).ToArray(), Shards);

        Assert.Equal(values, FlatParameters.Values(fromSlices));
        Assert.Equal(FlatParameters.Values(fromFlat), FlatParameters.Values(fromSlices));
    }

    [Fact]
    public void Load_ShardsThatDoNotCoverTheModel_Throws()
    {
        var model = Model();
        ShardRange[] gap = [new(0, 0, 5), new(1, 6, 20)];

        var e = Assert.Throws<ArgumentException>(() => FlatParameters.Load(model, [FloatBlock.From(new float[5]), FloatBlock.From(new float[20])], gap));

        Assert.Contains("shard 1 covers [6, 26) but the next element is 5", e.Message);
    }

    [Fact]
    public void Load_SliceOfTheWrongLength_Throws()
    {
        var model = Model();

        var e = Assert.Throws<ArgumentException>(() =>
            FlatParameters.Load(model, [FloatBlock.From(new float[5]), FloatBlock.From(new float[8]), FloatBlock.From(new float[12])], Shards));

        Assert.Contains("slice 1 holds 8 values, shard 1 covers 9", e.Message);
    }

    [Fact]
    public void GradientBlocks_ShardsShortOfTheModel_Throws()
    {
        var model = Model();

        var e = Assert.Throws<ArgumentException>(() => FlatParameters.GradientBlocks(model, [new ShardRange(0, 0, 25)]));

        Assert.Contains("cover 25 elements but the model has 26 parameters", e.Message);
    }

    private static Sequential Model()
    {
        Tensor.ManualSeed(1);
        return new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2));
    }

    private static Sequential ModelWithGradients()
    {
        var model = Model();
        var input = Tensor.From([0.5f, -1f, 2f, 1f, 0.25f, -0.5f], [2, 3]);
        model.Forward(input).Sum().Backward();
        return model;
    }
}
