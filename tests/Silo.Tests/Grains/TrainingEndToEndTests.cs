using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class TrainingEndToEndTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Classification_TwoWorkers_LossFallsWellBelowItsStart()
    {
        var spec = new JobSpec
        {
            Model = ModelSpec.Sequential(LayerSpec.Linear(10, 32), LayerSpec.ReLU(), LayerSpec.Linear(32, 4)),
            Dataset = DatasetSpec.Generated(new SyntheticDataSpec { Generator = SyntheticDataSpec.Blobs, Samples = 512, SampleShape = [10], Classes = 4, Noise = 0.6, Seed = 9 }),
            Optimizer = OptimizerSpec.AdamWith(0.01),
            Loss = LossNames.CrossEntropy,
            BatchSize = 64,
            Epochs = 4,
            Workers = 2,
            Seed = 1,
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        await job.SubmitAsync(spec);
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(32, status.Step);
        Assert.Equal(32, status.TotalSteps);
        Assert.Equal(4, status.EpochHistory.Length);
        Assert.True(status.EpochHistory[^1].MeanLoss < 0.25 * status.EpochHistory[0].MeanLoss, $"epoch losses: {string.Join(", ", status.EpochHistory.Select(e => e.MeanLoss))}");
        Assert.True(status.EpochHistory[^1].Accuracy > 0.9, $"final accuracy {status.EpochHistory[^1].Accuracy}");
        Assert.All(status.EpochHistory, e => Assert.Equal(512, e.Samples));
        // The training steps' share of each epoch's wall clock: recorded, positive, never more than the whole.
        Assert.All(status.EpochHistory, e => Assert.InRange(e.TrainingSeconds ?? -1, 1e-6, e.Seconds));
        Assert.All(status.EpochHistory, e => Assert.True(e.TrainingSamplesPerSecond >= e.SamplesPerSecond, $"epoch {e.Epoch}: {e.TrainingSamplesPerSecond} training samples/s < {e.SamplesPerSecond} wall clock"));
        Assert.True(status.SamplesPerSecond > 0);
        Assert.All(status.Workers, w => Assert.Equal(32, w.LastSamples));
        Assert.Equal(["submitted", "started", "epoch", "epoch", "epoch", "epoch", "completed"], status.Events.Select(e => e.Kind));

        var state = await job.DownloadStateDictAsync();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], state.Select(e => e.Name));
        Assert.Equal([32, 10], state[0].Shape);
    }

    [Fact]
    public async Task BatchNormModel_StateDictCarriesRankZerosRunningStatistics()
    {
        var spec = Specs.Mlp(workers: 2) with
        {
            Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.BatchNorm1d(8), LayerSpec.ReLU(), LayerSpec.Linear(8, 3)),
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        await job.SubmitAsync(spec);
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        var state = (await job.DownloadStateDictAsync()).ToDictionary(e => e.Name);
        Assert.Equal([5f], state["1.num_batches_tracked"].Values);
        Assert.Equal("int64", state["1.num_batches_tracked"].DType);
        Assert.Contains(state["1.running_mean"].Values, v => v != 0);
    }

    [Fact]
    public async Task Cancel_RunningJob_StopsWithReadableParameters()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 2, epochs: 200);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        while ((await job.GetStatusAsync()).Step < 3) await Task.Delay(10, TestContext.Current.CancellationToken);

        await job.CancelAsync("enough");
        var status = await JobRunner.WaitAsync(job);

        Assert.Equal(JobState.Cancelled, status.State);
        Assert.True(status.Step < status.TotalSteps);
        Assert.Contains(status.Events, e => e.Kind == "cancel-requested" && e.Message == "enough");
        Assert.Equal(4, (await job.DownloadStateDictAsync()).Count);
    }

    [Fact]
    public async Task ReadParameters_BeforeTheJobEnds_IsRefused()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        await Assert.ThrowsAsync<InvalidOperationException>(() => job.ReadParametersAsync(0, 1));
    }
}
