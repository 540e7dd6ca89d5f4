using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>The test cluster's silos' data-plane services, and shards to send chunks to.</summary>
internal static class DataPlaneSilos
{
    public static T Service<T>(ClusterFixture cluster, string silo)
        where T : notnull =>
        cluster.Cluster.Silos.Cast<InProcessSiloHandle>().Single(s => s.SiloAddress.ToString() == silo).ServiceProvider.GetRequiredService<T>();

    /// <summary><paramref name="shards"/> shards of a new job, each of <paramref name="count"/> floats from zeros, SGD with lr = 1.</summary>
    public static async Task<IParameterShardGrain[]> NewShardsAsync(ClusterFixture cluster, int shards, int count, int world)
    {
        string jobId = JobRunner.NewJobId();
        var grains = Enumerable.Range(0, shards).Select(s => cluster.Grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(jobId, s))).ToArray();
        await Task.WhenAll(grains.Select((g, s) => g.InitializeAsync(new ShardSetup
        {
            JobId = jobId,
            Range = new ShardRange(s, (long)s * count, count),
            WorldSize = world,
            Optimizer = new() { Kind = "sgd", Lr = 1.0 },
            InitialValues = FloatBlock.From(new float[count]),
        })));
        return grains;
    }

    /// <summary><paramref name="flat"/> as one block per shard, each over its equal part of the array (no copy).</summary>
    public static FloatBlock[] Blocks(float[] flat, int shards)
    {
        int count = flat.Length / shards;
        return Enumerable.Range(0, shards).Select(s => FloatBlock.Wrap(flat, s * count, count)).ToArray();
    }

    public static float[] Values(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextSingle() - 0.5f).ToArray();
    }
}
