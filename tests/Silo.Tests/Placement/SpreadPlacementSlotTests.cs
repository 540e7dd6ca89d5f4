using Autograd.Cluster.Contracts;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Placement;

public sealed class SpreadPlacementSlotTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    public void Spread_UpToTheClustersSlots_PutsAtMostTheSlotsOnASiloWithDistinctLocalRanks(int silos, int perSilo)
    {
        foreach (string job in new[] { "a", "job-7", JobRunner.NewJobId() })
        {
            for (int workers = 1; workers <= silos * perSilo; workers++)
            {
                var bySilo = Enumerable.Range(0, workers).GroupBy(r => SpreadPlacementDirector.Choose(job, r, silos)).ToList();

                Assert.All(bySilo, g => Assert.True(g.Count() <= perSilo, $"{g.Count()} workers of {workers} on one of {silos} silos"));
                Assert.All(bySilo, g => Assert.Equal(Enumerable.Range(0, g.Count()), g.Select(r => SiloSlots.LocalRank(r, silos)).Order()));
            }
        }
    }

    [Fact]
    public async Task Submit_MoreWorkersThanTheClustersSlots_IsRefusedNamingWorkers()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp(workers: ClusterFixture.Silos + 1)));

        Assert.Equal("workers", error.Field);
        Assert.Contains($"the cluster has {ClusterFixture.Silos}", error.Message);
    }
}
