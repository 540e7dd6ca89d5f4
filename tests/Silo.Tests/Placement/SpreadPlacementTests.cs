using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Placement;

public sealed class SpreadPlacementTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Job_AsManyWorkersAsSilos_PutsEachWorkerOnItsOwnSilo()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: ClusterFixture.Silos, batchSize: 12, epochs: 2));
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(ClusterFixture.Silos, status.Workers.Length);
        Assert.Equal(ClusterFixture.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
        Assert.All(status.Workers, w => Assert.Equal("cpu", w.Device));
    }

    [Fact]
    public async Task Shards_OfOneJob_AreSpreadOverTheSilos()
    {
        string jobId = JobRunner.NewJobId();
        var silos = new HashSet<string>();
        for (int s = 0; s < ClusterFixture.Silos; s++)
        {
            var shard = cluster.Grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(jobId, s));
            await shard.InitializeAsync(new ShardSetup
            {
                JobId = jobId,
                Range = new ShardRange(s, s * 4, 4),
                WorldSize = 1,
                Optimizer = new() { Kind = "sgd", Lr = 0.1 },
                InitialValues = FloatBlock.From(new float[4]),
            });
            silos.Add((await shard.GetInfoAsync()).Silo);
            await shard.ReleaseAsync();
        }

        Assert.Equal(ClusterFixture.Silos, silos.Count);
    }

    [Fact]
    public void StableHash_IsFnv1a() =>
        // FNV-1a 32-bit of "a" (one UTF-16 unit, 0x61): (2166136261 ^ 0x61) * 16777619 mod 2^32.
        Assert.Equal(0xE40C292Cu, SpreadPlacementDirector.StableHash("a"));
}
