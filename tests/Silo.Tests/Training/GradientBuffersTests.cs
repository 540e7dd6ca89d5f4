using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Training;
using Autograd.NN;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class GradientBuffersTests
{
    private static readonly ShardRange[] Shards = [new(0, 0, 2), new(1, 2, 3)];

    [Fact]
    public void Fill_AfterRelease_ReusesTheArraysWithTheNewValues()
    {
        var buffers = new GradientBuffers(Shards);

        var first = buffers.Fill([1f, 2f, 3f, 4f, 5f]);
        float[] firstValues = first[1].ToArray();
        buffers.Release();
        var second = buffers.Fill([6f, 7f, 8f, 9f, 10f]);

        Assert.Equal([3f, 4f, 5f], firstValues);
        Assert.Equal([6f, 7f], second[0].ToArray());
        Assert.Equal([8f, 9f, 10f], second[1].ToArray());
        // Reused: the first step's block now shows the second step's values (it is no longer in flight).
        Assert.Equal([8f, 9f, 10f], first[1].ToArray());
    }

    [Fact]
    public void Fill_WithoutRelease_LeavesTheBlocksInFlightUntouched()
    {
        var buffers = new GradientBuffers(Shards);

        var first = buffers.Fill([1f, 2f, 3f, 4f, 5f]);
        var second = buffers.Fill([6f, 7f, 8f, 9f, 10f]);

        Assert.Equal([1f, 2f], first[0].ToArray());
        Assert.Equal([3f, 4f, 5f], first[1].ToArray());
        Assert.Equal([6f, 7f], second[0].ToArray());
    }

    [Fact]
    public void Fill_Model_ReusedArrays_ZeroAParameterThatLostItsGradient()
    {
        Tensor.ManualSeed(2);
        var model = new Sequential(new Linear(2, 2), new Linear(2, 1));
        ShardRange[] shards = [new(0, 0, 4), new(1, 4, 5)];
        var buffers = new GradientBuffers(shards);
        model.Forward(Tensor.From([1f, -2f], [1, 2])).Sum().Backward();

        var withGradients = buffers.Fill(model);
        Assert.Contains(withGradients.SelectMany(b => b.ToArray()), v => v != 0f);
        buffers.Release();
        foreach (var p in model.Parameters()) p.Grad = null;
        var without = buffers.Fill(model);

        Assert.All(without.SelectMany(b => b.ToArray()), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Fill_FlatOfTheWrongLength_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new GradientBuffers(Shards).Fill([1f, 2f]));

        Assert.Contains("2 values for shards covering 5", e.Message);
    }
}
