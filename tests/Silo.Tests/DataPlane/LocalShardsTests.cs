using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class LocalShardsTests
{
    [Fact]
    public void Find_AddedShard_IsThatInstanceUntilRemoved()
    {
        var shards = new LocalShards();
        var shard = new StandInShard([1f]);

        shards.Add("job/0", shard);

        Assert.Same(shard, shards.Find("job/0"));
        Assert.Null(shards.Find("job/1"));
        shards.Remove("job/0", shard);
        Assert.Null(shards.Find("job/0"));
        Assert.Equal(0, shards.Count);
    }

    [Fact]
    public void Remove_AnInstanceNoLongerRegistered_KeepsTheOneThatReplacedIt()
    {
        var shards = new LocalShards();
        var old = new StandInShard([1f]);
        var current = new StandInShard([2f]);
        shards.Add("job/0", old);
        shards.Add("job/0", current);

        // A deactivating activation lets go after its successor registered under the same key.
        shards.Remove("job/0", old);

        Assert.Same(current, shards.Find("job/0"));
    }
}

/// <summary>
/// A shard that answers every chunk with <paramref name="answer"/> and records what it was sent: registered in a
/// silo's <see cref="LocalShards"/>, it shows whether a chunk reached it without a grain call.
/// </summary>
internal sealed class StandInShard(float[] answer) : IParameterShardGrain
{
    public List<GradientContribution> Received { get; } = [];

    public Task<FloatBlock> ReduceAsync(GradientContribution contribution)
    {
        lock (Received) Received.Add(contribution with { Gradient = FloatBlock.From(contribution.Gradient.ToArray()) });
        return Task.FromResult(FloatBlock.From(answer));
    }

    public Task InitializeAsync(ShardSetup setup) => throw new NotSupportedException();

    public Task<FloatBlock> GetParametersAsync() => throw new NotSupportedException();

    public Task<ShardInfo> GetInfoAsync() => throw new NotSupportedException();

    public Task CheckpointAsync(long step) => throw new NotSupportedException();

    public Task AbortAsync(string reason) => throw new NotSupportedException();

    public Task ReleaseAsync() => throw new NotSupportedException();
}
