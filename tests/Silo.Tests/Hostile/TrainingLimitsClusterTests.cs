using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// Each configurable limit (<see cref="TrainingLimits"/>) on a cluster started with low ones: over it, a clear one-line
/// refusal naming the limit's key; the jobs already running train on to the parameters they reach alone.
/// </summary>
public sealed class TrainingLimitsClusterTests(LimitsClusterFixture fixture) : IClassFixture<LimitsClusterFixture>
{
    private static readonly JobSpec Other = Specs.Mlp(workers: HostileCluster.Silos, batchSize: 12, epochs: 6) with
    {
        Optimizer = OptimizerSpec.AdamWith(0.01),
        Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 40 }),
    };

    [Fact]
    public async Task Submit_LayerOverMaxParametersPerJob_IsRefusedBeforeAllocatingIt()
    {
        var other = await StartAsync(Other);
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 100_000), LayerSpec.Tanh(), LayerSpec.Linear(100_000, 3)) };
        var job = NewJob();

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(spec));

        Assert.Equal("model.layers[0].outFeatures", error.Field);
        Assert.Contains($"600000 weights, more than the {LimitsClusterFixture.MaxParameters} the job's parameter limit ({TrainingLimits.MaxParametersPerJobKey})", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(JobState.New, (await job.GetStatusAsync()).State);
        await AssertTrainsAsAloneAsync(other, Other);
    }

    [Fact]
    public async Task Submit_ModelOverMaxParametersPerJob_IsRefusedNamingModelTheCountAndTheKey()
    {
        // 6x100 + 100 and 100x3 + 3: each layer fits what is left of the limit, their sum (1003) does not.
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 100), LayerSpec.Tanh(), LayerSpec.Linear(100, 3)) };
        var job = NewJob();

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(spec));

        Assert.Equal("model", error.Field);
        Assert.Equal($"model: the model reaches 1003 parameters at layer 2, more than the {LimitsClusterFixture.MaxParameters} a job may train ({TrainingLimits.MaxParametersPerJobKey})", error.Message);
        Assert.Equal(JobState.Completed, (await JobRunner.RunAsync(fixture.Grains, Specs.Mlp())).State);
    }

    [Fact]
    public async Task BeginUpload_OverMaxUploadBytes_IsRefusedNamingTheFieldAndNothingIsReserved()
    {
        var budgets = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<UploadBudget>()).ToArray();
        long reservedBefore = budgets.Sum(b => b.Used);
        var upload = fixture.Grains.GetGrain<IDatasetUploadGrain>(Guid.NewGuid().ToString("N"));

        var error = await Assert.ThrowsAsync<JobSpecException>(() => upload.BeginAsync(new DatasetUploadHeader { SampleShape = [6], Samples = 400, Classes = 3 }));

        Assert.Equal("upload.samples", error.Field);
        Assert.Equal($"upload.samples: 400 + 0 samples of 6 inputs and 1 targets declare 12800 bytes, more than the {LimitsClusterFixture.MaxUploadBytes} of {TrainingLimits.MaxUploadBytesKey}", error.Message);
        Assert.Equal(reservedBefore, budgets.Sum(b => b.Used));
        Assert.Null((await upload.GetInfoAsync()).Header);

        // The same upload id then takes a dataset under the limit, and a job trains on it.
        var (inputs, labels) = SyntheticDatasets.Blobs(60, 6, 3, 0.5, seed: 11);
        var info = await upload.UploadAsync([6], inputs, labels, classes: 3);
        var status = await JobRunner.RunAsync(fixture.Grains, Specs.Mlp() with { Dataset = DatasetSpec.FromUpload(info.UploadId) });
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        await upload.DeleteAsync();
    }

    [Fact]
    public async Task Submit_OverMaxConcurrentJobs_IsRefusedUntilOneEndsAndTheRunningJobsAreUnharmed()
    {
        var ct = TestContext.Current.CancellationToken;
        await HostileCluster.WaitNoActiveJobsAsync(fixture.Grains, ct);
        var first = await StartAsync(Other);
        var second = await StartAsync(Other with { Seed = 5 });
        var third = NewJob();

        var error = await Assert.ThrowsAsync<JobSpecException>(() => third.SubmitAsync(Specs.Mlp()));

        Assert.Equal(TrainingLimits.MaxConcurrentJobsKey, error.Field);
        Assert.Equal($"{TrainingLimits.MaxConcurrentJobsKey}: 2 jobs are active, the most this cluster runs at once (2); retry when one ends", error.Message);
        var refused = await third.GetStatusAsync();
        Assert.Equal(JobState.New, refused.State);
        Assert.Contains(refused.Events, e => e.Kind == "refused" && e.Message == error.Message);

        await second.CancelAsync("making room");
        Assert.Equal(JobState.Cancelled, (await JobRunner.WaitAsync(second)).State);
        await WaitActiveAsync(1, ct);
        await third.SubmitAsync(Specs.Mlp());
        Assert.Equal(JobState.Completed, (await JobRunner.WaitAsync(third)).State);
        await AssertTrainsAsAloneAsync(first, Other);
    }

    [Fact]
    public async Task Resume_OverMaxConcurrentJobs_IsRefusedAndTheJobStaysAsItWas()
    {
        var ct = TestContext.Current.CancellationToken;
        await HostileCluster.WaitNoActiveJobsAsync(fixture.Grains, ct);
        var stopped = await StartAsync(Other);
        await stopped.CancelAsync("to resume later");
        Assert.Equal(JobState.Cancelled, (await JobRunner.WaitAsync(stopped)).State);
        await WaitActiveAsync(0, ct);
        var running = new[] { await StartAsync(Other), await StartAsync(Other with { Seed = 9 }) };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => stopped.ResumeAsync(null));

        Assert.Equal(TrainingLimits.MaxConcurrentJobsKey, error.Field);
        Assert.StartsWith($"{TrainingLimits.MaxConcurrentJobsKey}: 2 jobs are active", error.Message);
        Assert.Equal(JobState.Cancelled, (await stopped.GetStatusAsync()).State);
        foreach (var job in running) Assert.Equal(JobState.Completed, (await JobRunner.WaitAsync(job, TimeSpan.FromMinutes(2))).State);
        await WaitActiveAsync(0, ct);
        await stopped.ResumeAsync(null);
        var resumed = await JobRunner.WaitAsync(stopped, TimeSpan.FromMinutes(2));
        Assert.True(resumed.State == JobState.Completed, JobRunner.Describe(resumed));
    }

    private ITrainingJobGrain NewJob() => fixture.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

    private async Task<ITrainingJobGrain> StartAsync(JobSpec spec)
    {
        var job = NewJob();
        await job.SubmitAsync(spec);
        return job;
    }

    private static async Task AssertTrainsAsAloneAsync(ITrainingJobGrain job, JobSpec spec)
    {
        var status = await JobRunner.WaitAsync(job, TimeSpan.FromMinutes(2));
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        StateDictAssert.Matches(ReferenceTraining.Run(spec), await job.DownloadStateDictAsync(), "the job running beside the refused one");
    }

    private async Task WaitActiveAsync(int count, CancellationToken ct)
    {
        var registry = fixture.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await registry.ActiveAsync()).Length > count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"more than {count} job(s) still active in the registry");
            await Task.Delay(50, ct);
        }
    }
}
