using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Telemetry;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>
/// The instruments as the grains drive them on a real cluster: every measurement of the <c>Autograd.Cluster</c> meter
/// tagged with the job's id is captured, then compared with what the job itself reports.
/// </summary>
public sealed class TrainingJobTelemetryTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Job_Completed_LossInTheMetricsIsTheLossInTheJobsHistory()
    {
        string jobId = JobRunner.NewJobId();
        using var measurements = new JobMeasurements(jobId);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(jobId);

        await job.SubmitAsync(Specs.Mlp(workers: 2, epochs: 2));
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        var losses = measurements.Values("autograd.training.loss");
        Assert.Equal(status.Step, losses.Count);
        Assert.Equal(status.Loss, losses[^1]);
        Assert.Equal(status.FirstLoss, losses[0]);
        Assert.Equal(status.EpochHistory.Select(e => e.MeanLoss), measurements.Values("autograd.training.epoch.loss"));
        Assert.Equal(status.Accuracy, measurements.Values("autograd.training.accuracy")[^1]);
        Assert.Equal(status.Step, measurements.Values("autograd.training.steps").Sum());
        Assert.Equal(status.Step, measurements.Values("autograd.training.step.duration").Count);
        Assert.All(measurements.Values("autograd.training.workers.active"), w => Assert.Equal(2, w));
        Assert.Equal([0, 1], measurements.Tags("autograd.training.worker.step.duration", TrainingTelemetry.RankTag).Select(Convert.ToInt32).Distinct().Order());
        Assert.Equal(status.Step * status.Shards, measurements.Values("autograd.training.gradient_averaging.duration").Count);
        Assert.All(measurements.Values("autograd.training.gradient_norm"), n => Assert.True(double.IsFinite(n) && n >= 0, $"gradient norm {n}"));
        Assert.NotNull(status.LastCheckpointStep);
        Assert.True(measurements.Values("autograd.training.checkpoints").Sum() >= 1, "no checkpoint counted");
        Assert.Empty(measurements.Values("autograd.training.recoveries"));
    }

    [Fact]
    public async Task Job_OnTwoSilosWithActivityPropagation_WorkerAndShardSpansAreInTheStepsTrace()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TrainingTelemetry.Name || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) => host.Configuration[ComputeDevice.ConfigurationKey] = "cpu");
        builder.ConfigureSilo((_, silo) => silo.AddAutogradTraining().AddTracing(new ConfigurationBuilder().Build()));
        await using var traced = builder.Build();
        await traced.DeployAsync(TestContext.Current.CancellationToken);
        try
        {
            string jobId = JobRunner.NewJobId();
            var job = traced.Client.GetGrain<ITrainingJobGrain>(jobId);
            await job.SubmitAsync(Specs.Mlp(workers: 2, epochs: 1));
            var status = await JobRunner.WaitAsync(job);
            Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
            Assert.Equal(2, status.Workers.Select(w => w.Silo).Distinct().Count());

            var mine = spans.Where(s => Equals(s.GetTagItem(TrainingTelemetry.JobTag), jobId)).ToList();
            var steps = mine.Where(s => s.OperationName == TrainingTelemetry.StepSpan).ToDictionary(s => s.TraceId);
            Assert.Equal(status.Step, steps.Count);
            // A step's trace is linked to what the coordinator was doing when it sent the run, never to another step: runs
            // are sent while another is in flight and start several steps at once, and no step's span may stay the
            // coordinator's current activity.
            var stepSpanIds = steps.Values.Select(s => s.SpanId).ToHashSet();
            Assert.All(steps.Values, s => Assert.DoesNotContain(s.Links, l => stepSpanIds.Contains(l.Context.SpanId)));
            foreach (string phase in new[] { TrainingTelemetry.ForwardBackwardSpan, TrainingTelemetry.GradientAveragingSpan, TrainingTelemetry.OptimizerUpdateSpan })
            {
                var phaseSpans = mine.Where(s => s.OperationName == phase).ToList();
                Assert.NotEmpty(phaseSpans);
                // Each phase ran in a grain the coordinator called (through Orleans' messaging, on either silo): its trace is
                // the step's, and the step span is an ancestor through at least one Orleans call span.
                Assert.All(phaseSpans, s =>
                {
                    Assert.True(steps.TryGetValue(s.TraceId, out var step), $"{phase} span of step {s.GetTagItem(TrainingTelemetry.StepTag)} is in no step's trace");
                    Assert.Equal(step.GetTagItem(TrainingTelemetry.StepTag), s.GetTagItem(TrainingTelemetry.StepTag));
                    Assert.NotEqual(step.SpanId, s.ParentSpanId);
                });
            }
        }
        finally
        {
            await traced.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every measurement of the training meter tagged with one job, by instrument name, in the order recorded.</summary>
    private sealed class JobMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _seen = new();

        public JobMeasurements(string jobId)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TrainingTelemetry.Name) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(jobId, i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(jobId, i, v, tags));
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(jobId, i, v, tags));
            _listener.Start();
        }

        public List<double> Values(string instrument) => _seen.Where(m => m.Instrument == instrument).Select(m => m.Value).ToList();

        public List<object?> Tags(string instrument, string tag) =>
            _seen.Where(m => m.Instrument == instrument).Select(m => m.Tags.FirstOrDefault(t => t.Key == tag).Value).ToList();

        public void Dispose() => _listener.Dispose();

        private void Record(string jobId, Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
                if (tag.Key == TrainingTelemetry.JobTag && Equals(tag.Value, jobId))
                {
                    _seen.Enqueue((instrument.Name, value, tags.ToArray()));
                    return;
                }
        }
    }
}
