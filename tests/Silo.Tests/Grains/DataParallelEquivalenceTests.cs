using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>
/// The correctness anchor: N workers at global batch B end with the parameters one process gets training the same
/// model at batch B with the engine directly, up to float reduction order.
/// </summary>
public sealed class DataParallelEquivalenceTests(ClusterFixture cluster)
{
    // Workers sum partial gradients in a different order than one process's batch reductions: float32 rounding, a
    // few ulps per step, compounded over the steps.
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;

    [Theory]
    [InlineData(1, OptimizerSpec.Sgd)]
    [InlineData(2, OptimizerSpec.Sgd)]
    [InlineData(3, OptimizerSpec.Sgd)]
    [InlineData(1, OptimizerSpec.Adam)]
    [InlineData(2, OptimizerSpec.Adam)]
    [InlineData(3, OptimizerSpec.Adam)]
    public async Task Workers_UnevenSplitsOverTwoEpochs_MatchOneProcess(int workers, string optimizer)
    {
        // 60 samples at B = 11: per-worker batches of 4/4/3 for N = 3, and a last batch of 5 in each epoch.
        var spec = Specs.Mlp(workers, batchSize: 11, epochs: 2) with
        {
            Optimizer = optimizer == OptimizerSpec.Sgd ? OptimizerSpec.SgdWith(0.1, momentum: 0.9) : OptimizerSpec.AdamWith(0.01),
        };

        await AssertMatchesReferenceAsync(spec);
    }

    [Theory]
    [InlineData(LrScheduleSpec.Step)]
    [InlineData(LrScheduleSpec.Cosine)]
    public async Task Workers_WithAnEpochSchedule_MatchOneProcess(string schedule)
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 11, epochs: 3) with
        {
            LrSchedule = new LrScheduleSpec { Kind = schedule, StepSize = 1, Gamma = 0.5, TMax = 3, EtaMin = 0.01 },
        };

        await AssertMatchesReferenceAsync(spec);
    }

    [Theory]
    [InlineData(LrScheduleSpec.Step)]
    [InlineData(LrScheduleSpec.Cosine)]
    public async Task Workers_WithAPerStepSchedule_MatchOneProcess(string schedule)
    {
        var spec = Specs.Mlp(workers: 3, batchSize: 11, epochs: 2) with
        {
            LrSchedule = new LrScheduleSpec { Kind = schedule, StepSize = 4, Gamma = 0.7, TMax = 9, EtaMin = 0.01, Interval = LrScheduleSpec.PerStep },
        };

        await AssertMatchesReferenceAsync(spec);
    }

    [Fact]
    public async Task Workers_AdamWWithDefaultDecay_MatchOneProcess()
    {
        var spec = Specs.Mlp(workers: 3, batchSize: 11) with { Optimizer = new OptimizerSpec { Kind = OptimizerSpec.AdamW, Lr = 0.01 } };

        await AssertMatchesReferenceAsync(spec);
    }

    [Fact]
    public async Task Workers_LastBatchSmallerThanWorldSize_MatchOneProcess()
    {
        // 40 samples at B = 13: the last batch has one sample, so two of the three workers contribute nothing.
        var spec = Specs.Mlp(workers: 3, batchSize: 13) with { Dataset = DatasetSpec.Generated(Specs.Blobs(samples: 40)) };

        await AssertMatchesReferenceAsync(spec);
    }

    [Fact]
    public async Task Workers_ConvNetOnThreeShards_MatchOneProcess()
    {
        var spec = Specs.Cnn(workers: 2, batchSize: 10) with { Shards = 3, Optimizer = OptimizerSpec.AdamWith(0.01) };

        await AssertMatchesReferenceAsync(spec);
    }

    [Fact]
    public async Task Workers_MseRegression_MatchOneProcess()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 9) with
        {
            Dataset = DatasetSpec.Generated(new SyntheticDataSpec { Generator = SyntheticDataSpec.Linear, Samples = 30, SampleShape = [6], Outputs = 3, Seed = 2 }),
            Loss = LossNames.Mse,
        };

        await AssertMatchesReferenceAsync(spec);
    }

    private async Task AssertMatchesReferenceAsync(JobSpec spec)
    {
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        var status = await JobRunner.WaitAsync(job);
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));

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
                    $"{entry.Name}[{i}]: cluster {entry.Values[i]:R}, single process {want[i]:R} (N = {spec.Workers}, {spec.Optimizer.Kind})");
            }
        }
    }
}
