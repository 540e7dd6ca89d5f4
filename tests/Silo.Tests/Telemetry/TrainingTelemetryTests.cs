using System.Diagnostics;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>
/// The instruments through OpenTelemetry's SDK and in-memory exporter, as the silo exports them: each test uses its own
/// job id, since other tests of the assembly train jobs through the same static meter at the same time.
/// </summary>
public sealed class TrainingTelemetryTests
{
    [Fact]
    public void StepCompleted_ExportedMetrics_CarryLossAccuracyThroughputDurationAndWorkersTaggedByJob()
    {
        string job = NewJob();
        var exported = new List<MetricSnapshot>();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(TrainingTelemetry.Name).AddInMemoryExporter(exported).Build())
        {
            TrainingTelemetry.StepCompleted(job, loss: 1.25, accuracy: 0.5, samples: 64, TimeSpan.FromMilliseconds(200), activeWorkers: 2);
            TrainingTelemetry.StepCompleted(job, loss: 0.75, accuracy: 0.625, samples: 64, TimeSpan.FromMilliseconds(400), activeWorkers: 2);
            meters.ForceFlush();
        }

        Assert.Equal(0.75, LastValue(exported, "autograd.training.loss", job));
        Assert.Equal(0.625, LastValue(exported, "autograd.training.accuracy", job));
        Assert.Equal(160.0, LastValue(exported, "autograd.training.samples_per_second", job), 9);
        Assert.Equal(2, LastLong(exported, "autograd.training.workers.active", job));
        Assert.Equal(2, Sum(exported, "autograd.training.steps", job));
        var duration = Points(exported, "autograd.training.step.duration", job).Single();
        Assert.Equal(2, duration.GetHistogramCount());
        Assert.Equal(0.6, duration.GetHistogramSum(), 9);
    }

    [Fact]
    public void WorkerAndShardTimes_Exported_TaggedByJobAndRankOrShard()
    {
        string job = NewJob();
        var exported = new List<MetricSnapshot>();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(TrainingTelemetry.Name).AddInMemoryExporter(exported).Build())
        {
            TrainingTelemetry.WorkerStepCompleted(job, rank: 0, TimeSpan.FromMilliseconds(30));
            TrainingTelemetry.WorkerStepCompleted(job, rank: 1, TimeSpan.FromMilliseconds(50));
            TrainingTelemetry.GradientsAveraged(job, shard: 1, TimeSpan.FromMilliseconds(5), () => System.Numerics.Tensors.TensorPrimitives.Norm<float>([1.5f, 0f, -3f, 1f]));
            TrainingTelemetry.CheckpointWritten(job);
            TrainingTelemetry.Recovered(job);
            meters.ForceFlush();
        }

        var perRank = Points(exported, "autograd.training.worker.step.duration", job)
            .ToDictionary(p => Convert.ToInt32(Tag(p, TrainingTelemetry.RankTag)), p => p.GetHistogramSum());
        Assert.Equal(0.03, perRank[0], 9);
        Assert.Equal(0.05, perRank[1], 9);
        var averaging = Points(exported, "autograd.training.gradient_averaging.duration", job).Single();
        Assert.Equal(1, Convert.ToInt32(Tag(averaging, TrainingTelemetry.ShardTag)));
        var norm = Points(exported, "autograd.training.gradient_norm", job).Single();
        Assert.Equal(3.5, norm.GetGaugeLastValueDouble());
        Assert.Equal(1, Convert.ToInt32(Tag(norm, TrainingTelemetry.ShardTag)));
        Assert.Equal(1, Sum(exported, "autograd.training.checkpoints", job));
        Assert.Equal(1, Sum(exported, "autograd.training.recoveries", job));
    }

    [Fact]
    public void EpochCompleted_Exported_EpochLossAndTestAccuracyAreTheHistorysValues()
    {
        string job = NewJob();
        var exported = new List<MetricSnapshot>();
        var epoch = new EpochMetrics(Epoch: 1, MeanLoss: 0.42, Accuracy: 0.8, Samples: 600, Seconds: 2, SamplesPerSecond: 300, TestLoss: 0.5, TestAccuracy: 0.77);
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(TrainingTelemetry.Name).AddInMemoryExporter(exported).Build())
        {
            TrainingTelemetry.EpochCompleted(job, epoch);
            meters.ForceFlush();
        }

        Assert.Equal(epoch.MeanLoss, LastValue(exported, "autograd.training.epoch.loss", job));
        Assert.Equal(epoch.TestAccuracy, LastValue(exported, "autograd.training.test.accuracy", job));
    }

    [Fact]
    public void StepSpan_PhaseSpansStartedInside_AreItsChildrenInOneTrace()
    {
        string job = NewJob();
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(TrainingTelemetry.Name).AddInMemoryExporter(spans).Build())
        {
            using var step = TrainingTelemetry.StartStep(job, step: 7);
            Assert.NotNull(step);
            using (TrainingTelemetry.StartForwardBackward(job, step: 7, rank: 1)) { }
            using (TrainingTelemetry.StartGradientAveraging(job, step: 7, shard: 0)) { }
            using (TrainingTelemetry.StartOptimizerUpdate(job, step: 7, shard: 0)) { }
        }

        var mine = spans.Where(s => Equals(s.GetTagItem(TrainingTelemetry.JobTag), job)).ToList();
        var root = Assert.Single(mine, s => s.OperationName == TrainingTelemetry.StepSpan);
        var children = mine.Where(s => s != root).ToList();
        Assert.Equal([TrainingTelemetry.ForwardBackwardSpan, TrainingTelemetry.GradientAveragingSpan, TrainingTelemetry.OptimizerUpdateSpan],
            children.Select(c => c.OperationName).Order().ToArray());
        Assert.All(children, c => Assert.Equal(root.SpanId, c.ParentSpanId));
        Assert.All(mine, s => Assert.Equal(7L, s.GetTagItem(TrainingTelemetry.StepTag)));
        Assert.Equal(1, Assert.Single(children, c => c.OperationName == TrainingTelemetry.ForwardBackwardSpan).GetTagItem(TrainingTelemetry.RankTag));
    }

    [Fact]
    public void StartStep_InsideAnotherSpan_StartsItsOwnTraceLinkedToIt()
    {
        string job = NewJob();
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(TrainingTelemetry.Name, "test.caller").AddInMemoryExporter(spans).Build())
        {
            using var callerSource = new ActivitySource("test.caller");
            using var caller = callerSource.StartActivity("submit");
            Assert.NotNull(caller);
            RunStep(job);
            Assert.Same(caller, Activity.Current);
        }

        var step = Assert.Single(spans, s => s.OperationName == TrainingTelemetry.StepSpan && Equals(s.GetTagItem(TrainingTelemetry.JobTag), job));
        var submit = Assert.Single(spans, s => s.OperationName == "submit");
        Assert.NotEqual(submit.TraceId, step.TraceId);
        Assert.Equal(default, step.ParentSpanId);
        Assert.Equal(submit.Context, Assert.Single(step.Links).Context);

        // As the coordinator does: the step span lives in the async method that runs the step.
        static void RunStep(string job) => Task.Run(async () =>
        {
            using var span = TrainingTelemetry.StartStep(job, step: 1);
            await Task.Yield();
        }).GetAwaiter().GetResult();
    }

    [Fact]
    public void StartStep_WithoutListener_ReturnsNull()
    {
        // Nothing subscribes to the source in this test unless another test's provider is alive: sample only when none is.
        if (TrainingTelemetry.ActivitySource.HasListeners())
            Assert.Skip("another test's tracer provider listens to the source right now");
        Assert.Null(TrainingTelemetry.StartStep(NewJob(), step: 1));
    }

    internal static string NewJob() => "telemetry-" + Guid.NewGuid().ToString("N");

    // Each export (ForceFlush, then the provider's Dispose) adds a snapshot of every metric with cumulative points: the last one holds them all.
    internal static List<MetricPoint> Points(IEnumerable<MetricSnapshot> exported, string name, string job)
    {
        var snapshot = exported.LastOrDefault(m => m.Name == name) ?? throw new Xunit.Sdk.XunitException($"metric {name} was not exported");
        var points = snapshot.MetricPoints.Where(p => Equals(Tag(p, TrainingTelemetry.JobTag), job)).ToList();
        Assert.True(points.Count > 0, $"no {name} point for job {job}");
        return points;
    }

    private static double LastValue(IEnumerable<MetricSnapshot> exported, string name, string job) => Points(exported, name, job)[^1].GetGaugeLastValueDouble();

    private static long LastLong(IEnumerable<MetricSnapshot> exported, string name, string job) => Points(exported, name, job)[^1].GetGaugeLastValueLong();

    private static long Sum(IEnumerable<MetricSnapshot> exported, string name, string job) => Points(exported, name, job)[^1].GetSumLong();

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value;
        return null;
    }
}
