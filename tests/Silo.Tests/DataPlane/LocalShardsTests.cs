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
