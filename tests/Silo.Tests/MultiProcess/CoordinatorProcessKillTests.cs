using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Messaging;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.MultiProcess;

/// <summary>
/// SIGKILL of the silo process that runs the job's coordinator: the client's next call activates the coordinator on a
/// live silo once membership has declared the dead one (its directory entry goes with it); the new activation reads
/// the job's record from Redis and goes on from the last checkpoint by itself.
/// </summary>
public sealed class CoordinatorProcessKillTests(RedisSiloCluster cluster) : IClassFixture<RedisSiloCluster>
{
    [Fact]
    public async Task Job_SiloProcessOfTheCoordinatorKilled_ContinuesOnALiveSiloFromTheLastCheckpoint()
    {
        cluster.SkipUnlessAvailable();
        var token = TestContext.Current.CancellationToken;
        var spec = SiloProcessKillTests.Spec();
        var undisturbed = await JobRunner.RunAsync(cluster.Grains, spec, TimeSpan.FromSeconds(120));
        Assert.True(undisturbed.State == JobState.Completed, $"{JobRunner.Describe(undisturbed)}{Environment.NewLine}{cluster.Output()}");

        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        JobStatus status;
        do
        {
            await Task.Delay(20, token);
            status = await job.GetStatusAsync();
        }
        while (status.LastCheckpointStep is null && !status.IsFinished);
        Assert.True(status.State == JobState.Running, $"{JobRunner.Describe(status)}{Environment.NewLine}{cluster.Output()}");

        var process = cluster.ProcessOf(status.CoordinatorSilo);
        var survivor = status.Workers.First(w => w.Silo != status.CoordinatorSilo).Silo;
        var observer = await cluster.ConnectThroughAsync(survivor);
        JobStatus ended;
        var clock = Stopwatch.StartNew();
        try
        {
            var watched = observer.Services.GetRequiredService<IClusterClient>().GetGrain<ITrainingJobGrain>(job.GetPrimaryKeyString());
            process.Kill();
            ended = await PollUntilFinishedAsync(watched, clock);
        }
        finally
        {
            await RedisSiloCluster.StopClientAsync(observer);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"killed {process.Name} (the coordinator's, {status.CoordinatorSilo}) at step {status.Step}; job {ended.State} {clock.Elapsed.TotalSeconds:0.00} s later on {ended.CoordinatorSilo}; " +
            $"test accuracy {ended.TestAccuracy:P2} (undisturbed {undisturbed.TestAccuracy:P2}); " +
            string.Join(" | ", ended.Events.Where(e => e.Kind is "silo-lost" or "recovering" or "recovered").Select(e => $"{e.Kind}: {e.Message}")));
        Assert.True(ended.State == JobState.Completed, $"{JobRunner.Describe(ended)}{Environment.NewLine}{cluster.Output()}");
        Assert.NotEqual(status.CoordinatorSilo, ended.CoordinatorSilo);
        Assert.Contains(ended.Events, e => e.Kind == "recovering" && e.Message.StartsWith("coordinator re-activated on ", StringComparison.Ordinal));
        Assert.Equal(ended.TotalSteps, ended.Step);
        Assert.True(Math.Abs(ended.TestAccuracy!.Value - undisturbed.TestAccuracy!.Value) <= 0.01, $"test accuracy {ended.TestAccuracy:P2} after the kill, {undisturbed.TestAccuracy:P2} undisturbed");
    }

    /// <summary>Status polls (the calls that re-activate the coordinator), retried while the dead silo still owns it.</summary>
    private async Task<JobStatus> PollUntilFinishedAsync(ITrainingJobGrain job, Stopwatch clock)
    {
        var limit = TimeSpan.FromSeconds(180);
        while (true)
        {
            try
            {
                var status = await job.GetStatusAsync();
                if (status.IsFinished) return status;
            }
            // OperationCanceledException too: Orleans cancels a call whose directory lookup or placement the dead silo cut short.
            catch (Exception e) when (e is OrleansException or ConnectionFailedException or OperationCanceledException or TimeoutException && !TestContext.Current.CancellationToken.IsCancellationRequested && clock.Elapsed < limit)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: status call failed, retrying: {e.GetType().Name}: {e.Message}");
            }

            if (clock.Elapsed > limit)
                throw new TimeoutException($"job not finished {limit.TotalSeconds} s after the kill{Environment.NewLine}{cluster.Output()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
