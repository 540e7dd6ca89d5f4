using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.MultiProcess;

/// <summary>Three silo processes clustered through Redis train a job as the in-process cluster does.</summary>
public sealed class MultiProcessClusterTests(RedisSiloCluster cluster) : IClassFixture<RedisSiloCluster>
{
    // As DataParallelEquivalenceTests: float32 reduction order differs from one process's, a few ulps per step.
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;

    [Fact]
    public async Task Job_ThreeWorkersOnThreeSiloProcesses_MatchesOneProcess()
    {
        cluster.SkipUnlessAvailable();
        var spec = Specs.Mlp(workers: 3, batchSize: 11, epochs: 2);
        var expected = ReferenceTraining.Run(spec);

        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        var status = await JobRunner.WaitAsync(job, TimeSpan.FromSeconds(30));

        Assert.True(status.State == JobState.Completed, $"{JobRunner.Describe(status)}{Environment.NewLine}{cluster.Output()}");
        var silos = status.Workers.Select(w => w.Silo).Distinct().ToArray();
        Assert.Equal(RedisSiloCluster.Silos, silos.Length);
        // Each is one of this fixture's processes (ProcessOf throws otherwise), not some other cluster's silo.
        Assert.Equal(RedisSiloCluster.Silos, silos.Select(cluster.ProcessOf).Distinct().Count());
        var actual = await job.DownloadStateDictAsync();
        Assert.Equal(expected.Keys, actual.Select(e => e.Name));
        foreach (var entry in actual)
        {
            var want = expected[entry.Name];
            Assert.Equal(want.Length, entry.Values.Length);
            for (int i = 0; i < want.Length; i++)
            {
                double error = Math.Abs(entry.Values[i] - want[i]);
                Assert.True(
                    error <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(want[i])),
                    $"{entry.Name}[{i}]: cluster {entry.Values[i]:R}, single process {want[i]:R}");
            }
        }
    }
}
