using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Messaging;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.MultiProcess;

/// <summary>SIGKILL of a silo process mid-job: the job fails fast, naming the worker (recovery is a later slice).</summary>
public sealed class SiloProcessKillTests(RedisSiloCluster cluster) : IClassFixture<RedisSiloCluster>
{
    // The step timeout bounds detection when no call fails outright; the coordinator then waits up to its 5 s cleanup
    // timeout for the parameters (a shard on the dead silo never answers) before it reports Failed.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FailFastBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Job_SiloProcessOfAWorkerKilled_FailsWithinSecondsNamingTheWorker()
    {
        cluster.SkipUnlessAvailable();
        var token = TestContext.Current.CancellationToken;
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: 3, batchSize: 3, epochs: 500) with { StepTimeout = StepTimeout });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JobStatus status;
        do
        {
            await Task.Delay(20, token);
            status = await job.GetStatusAsync();
        }
        while (status.Step < 3 && !status.IsFinished && DateTime.UtcNow < deadline);
        Assert.True(status.State == JobState.Running && status.Step >= 3, $"{JobRunner.Describe(status)}{Environment.NewLine}{cluster.Output()}");

        // A silo that runs a worker but not the coordinator, so the job grain survives to report.
        var victim = status.Workers.First(w => w.Silo != status.CoordinatorSilo);
        var process = cluster.ProcessOf(victim.Silo);
        // Watched through the coordinator's own silo, which survives: see RedisSiloCluster.ConnectThroughAsync.
        var observer = await cluster.ConnectThroughAsync(status.CoordinatorSilo);
        JobStatus ended;
        Stopwatch clock;
        try
        {
            var watched = observer.Services.GetRequiredService<IClusterClient>().GetGrain<ITrainingJobGrain>(job.GetPrimaryKeyString());
            status = await watched.GetStatusAsync();
            clock = Stopwatch.StartNew();
            process.Kill();
            ended = await WaitThroughLostGatewayAsync(watched, TimeSpan.FromSeconds(60));
            clock.Stop();
        }
        finally
        {
            await RedisSiloCluster.StopClientAsync(observer);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"killed {process.Name} (worker {victim.Rank}, {victim.Silo}) at step {status.Step}; job {ended.State} {clock.Elapsed.TotalSeconds:0.00} s later: {ended.FailureReason}");

        Assert.True(ended.State == JobState.Failed, JobRunner.Describe(ended));
        // A timeout lists the silent workers, the killed one among them; a failed call names its worker, which may be a
        // survivor whose gradient reached a shard lost with the killed silo.
        Assert.Matches(@"^step \d+ \(epoch \d+, batch \d+\) (failed on|timed out after 5 s: no answer from) worker [0-2] \(on S", ended.FailureReason);
        if (ended.FailureReason!.Contains("timed out", StringComparison.Ordinal))
            Assert.Contains($"worker {victim.Rank} (on {victim.Silo})", ended.FailureReason);
        Assert.True(clock.Elapsed < FailFastBound, $"the job took {clock.Elapsed.TotalSeconds:0.00} s to fail after the kill: {ended.FailureReason}");
        Assert.True(ended.Step < ended.TotalSteps);
    }

    /// <summary>
    /// <see cref="JobRunner.WaitAsync"/>, except that a call lost with the client's gateway (when the killed silo was
    /// it) is retried, through the surviving gateways, until <paramref name="timeout"/>.
    /// </summary>
    private async Task<JobStatus> WaitThroughLostGatewayAsync(ITrainingJobGrain job, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var status = await job.GetStatusAsync();
                if (status.IsFinished) return status;
            }
            catch (Exception e) when (e is OrleansException or ConnectionFailedException && DateTime.UtcNow < deadline)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"status call lost, retrying: {e.GetType().Name}: {e.Message}");
            }

            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job not finished {timeout.TotalSeconds} s after the kill{Environment.NewLine}{cluster.Output()}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
