using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// Random, often hostile, job specs (<see cref="JobSpecGen"/>) submitted one after another to a cluster while canary
/// jobs train beside them. Each spec is accepted and trains to its end, or is refused with a one-line
/// <see cref="JobSpecException"/> naming a field; no other exception type ever comes back, the silos stay up, every
/// canary reaches bit for bit the parameters of an undisturbed run, and no worker or shard outlives its job.
/// A failure prints CsCheck's seed: rerun it with <c>CsCheck_Seed=&lt;seed&gt;</c> in the environment.
/// </summary>
public sealed class JobSpecPropertyTests(PropertyClusterFixture fixture) : IClassFixture<PropertyClusterFixture>
{
    /// <summary>Specs tried per run (about 25 s on two shared cores); CsCheck_Iter in the environment overrides it.</summary>
    public const int Iterations = 600;

    /// <summary>Accepted jobs with more steps than this are cancelled right away (their acceptance is what is tested).</summary>
    private const long MaxStepsToWaitFor = 40;

    private static readonly JobSpec Canary = Specs.Mlp(workers: HostileCluster.Silos, batchSize: 12, epochs: 3) with { Optimizer = OptimizerSpec.AdamWith(0.01) };

    private int _refused;
    private int _completed;
    private int _cancelled;
    private int _stoppedOnNonFinite;

    [Fact]
    public async Task Submit_RandomSpecs_TrainOrAreRefusedInOneLineWithoutHarmingOtherJobs()
    {
        var ct = TestContext.Current.CancellationToken;
        var grains = fixture.Grains;
        await AssertMembersAreCountedAsync(grains, ct);
        var undisturbed = await RunCanaryAsync(grains);
        StateDictAssert.Matches(ReferenceTraining.Run(Canary), undisturbed, "undisturbed canary");

        using var stop = new CancellationTokenSource();
        var canaries = RunCanariesAsync(grains, undisturbed, stop.Token);
        try
        {
            // CsCheck_Iter in the environment (CsCheck's own setting) runs more or fewer specs; CsCheck_Seed replays a failure.
            await JobSpecGen.Spec.SampleAsync(spec => CheckAsync(grains, spec), iter: Environment.GetEnvironmentVariable("CsCheck_Iter") is null ? Iterations : -1, threads: 1, print: JobSpecGen.Describe);
        }
        finally
        {
            await stop.CancelAsync();
        }

        int canaryRuns = await canaries;
        int silos = fixture.Cluster.GetActiveSilos().Count();
        await HostileCluster.AssertNoMembersLeftAsync(grains, ct);

        int specs = _refused + _completed + _cancelled + _stoppedOnNonFinite;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{specs} specs: {_refused} refused, {_completed} completed, {_cancelled} accepted and cancelled (too many steps), {_stoppedOnNonFinite} stopped on a non-finite loss; {canaryRuns} canary runs beside them");
        Assert.Equal(HostileCluster.Silos, silos);
        Assert.True(canaryRuns >= 1, "no canary ran beside the random jobs");
        // A generator that only ever produced refusals (or only valid jobs) would prove little.
        Assert.True(_refused >= specs / 10, $"only {_refused} of {specs} specs were refused");
        Assert.True(_completed >= specs / 10, $"only {_completed} of {specs} specs trained to completion");
    }

    /// <summary>The property for one spec; throws (and CsCheck reports the spec and the seed) when it does not hold.</summary>
    private async Task CheckAsync(IGrainFactory grains, JobSpec spec)
    {
        var job = grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        JobStatus accepted;
        try
        {
            accepted = await job.SubmitAsync(spec);
        }
        catch (JobSpecException e)
        {
            if (e.Message.IndexOfAny(['\n', '\r']) >= 0) throw new XunitException($"the refusal spans several lines: {e.Message}");
            if (string.IsNullOrWhiteSpace(e.Field) || !e.Message.StartsWith(e.Field + ": ", StringComparison.Ordinal))
                throw new XunitException($"the refusal names no field: '{e.Field}' / {e.Message}");
            Interlocked.Increment(ref _refused);
            return;
        }

        // Any other exception type escapes to CsCheck: an internal error (NullReference, Overflow, ...) is a failure.
        bool cancelled = accepted.TotalSteps > MaxStepsToWaitFor;
        if (cancelled) await job.CancelAsync("hostile-input test: too many steps to wait for");
        var status = await JobRunner.WaitAsync(job, TimeSpan.FromMinutes(2));
        switch (status.State)
        {
            case JobState.Completed:
                Interlocked.Increment(ref _completed);
                break;
            case JobState.Cancelled when cancelled:
                Interlocked.Increment(ref _cancelled);
                break;
            case JobState.Failed when spec.OnNonFiniteLoss == JobSpec.StopOnNonFinite && status.FailureReason?.StartsWith("the loss is ", StringComparison.Ordinal) == true:
                Interlocked.Increment(ref _stoppedOnNonFinite);
                break;
            default:
                throw new XunitException($"accepted, then ended {JobRunner.Describe(status)}");
        }
    }

    /// <summary>
    /// The leak check counts workers and shards by grain type: a slow job's members must show while it runs, or the
    /// check at the end would pass whatever happened.
    /// </summary>
    private static async Task AssertMembersAreCountedAsync(IGrainFactory grains, CancellationToken ct)
    {
        var job = grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Canary with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 40 }) });
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        JobStatus status;
        while ((status = await job.GetStatusAsync()) is { State: not JobState.Running } or { Step: 0 })
        {
            Assert.True(!status.IsFinished && DateTime.UtcNow < deadline, $"the slow job never ran a step: {JobRunner.Describe(status)}");
            await Task.Delay(10, ct);
        }

        int members = await HostileCluster.MemberActivationsAsync(grains);
        await job.CancelAsync("the members were counted");
        await JobRunner.WaitAsync(job);
        Assert.True(members >= 2 * HostileCluster.Silos, $"a running job of {HostileCluster.Silos} workers and shards showed {members} member activations");
    }

    /// <summary>Trains canaries one after another until stopped, each checked bit for bit against the undisturbed run.</summary>
    private static async Task<int> RunCanariesAsync(IGrainFactory grains, IReadOnlyList<NamedTensorData> undisturbed, CancellationToken stop)
    {
        int runs = 0;
        while (!stop.IsCancellationRequested)
        {
            var parameters = await RunCanaryAsync(grains);
            Assert.Equal(undisturbed.Count, parameters.Count);
            for (int i = 0; i < undisturbed.Count; i++)
            {
                Assert.Equal(undisturbed[i].Name, parameters[i].Name);
                Assert.True(undisturbed[i].Values.AsSpan().SequenceEqual(parameters[i].Values), $"canary run {runs + 1}: {undisturbed[i].Name} differs from the undisturbed run");
            }

            runs++;
        }

        return runs;
    }

    private static async Task<IReadOnlyList<NamedTensorData>> RunCanaryAsync(IGrainFactory grains)
    {
        var job = grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Canary);
        var status = await JobRunner.WaitAsync(job, TimeSpan.FromMinutes(2));
        Assert.True(status.State == JobState.Completed, $"canary: {JobRunner.Describe(status)}");
        return await job.DownloadStateDictAsync();
    }
}
