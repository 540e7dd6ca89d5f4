using System.Diagnostics.Metrics;
using Autograd.Cluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>
/// The starvation probe's arithmetic on a manual clock, with a queue the test runs by hand (a starved pool is a queue
/// nobody runs), and once through the real thread pool. The real pool is not blocked on purpose: the other tests of the
/// assembly share it.
/// </summary>
public sealed class ThreadPoolStarvationDetectorTests
{
    private readonly ManualClock _clock = new();
    private readonly RecordingLogger<ThreadPoolStarvationDetector> _logger = new();
    private readonly Queue<Action> _queue = new();

    [Fact]
    public void Probe_WorkItemWaitsPastThreshold_LogsStarvationWarningWithTheWait()
    {
        var detector = Detector(TimeSpan.FromSeconds(1));

        Assert.True(detector.Probe());
        _clock.Advance(TimeSpan.FromMilliseconds(1500));
        _queue.Dequeue()();

        var warning = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("thread-pool starvation: a work item waited 1500 ms (threshold 1000 ms;", warning.Message);
        Assert.Equal(1, detector.Warnings);
        Assert.Equal(1, detector.Probes);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), detector.TakeMaxDelay());
        Assert.Equal(TimeSpan.Zero, detector.TakeMaxDelay());
    }

    [Fact]
    public void Probe_WorkItemsRunWithinThreshold_LogNothing()
    {
        var detector = Detector(TimeSpan.FromSeconds(1));

        for (int i = 0; i < 10; i++)
        {
            Assert.True(detector.Probe());
            _clock.Advance(TimeSpan.FromMilliseconds(100 * i));
            _queue.Dequeue()();
        }

        Assert.Empty(_logger.Entries);
        Assert.Equal(0, detector.Warnings);
        Assert.Equal(10, detector.Probes);
        Assert.Equal(TimeSpan.FromMilliseconds(900), detector.TakeMaxDelay());
    }

    [Fact]
    public void Probe_WhileOneWaitsPastThreshold_QueuesNoOtherWarnsOnceAndCountsOneEpisode()
    {
        var detector = Detector(TimeSpan.FromSeconds(1));

        Assert.True(detector.Probe());
        for (int second = 0; second < 5; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.False(detector.Probe());
        }

        Assert.Single(_queue);
        var early = Assert.Single(_logger.Entries);
        Assert.StartsWith("thread-pool starvation: a work item has waited 2000 ms so far and is still queued", early.Message);
        Assert.Equal(1, detector.Warnings);
        Assert.Equal(TimeSpan.FromSeconds(5), detector.Waiting);
        Assert.Equal(TimeSpan.FromSeconds(5), detector.TakeMaxDelay());
        _queue.Dequeue()();

        Assert.Null(detector.Waiting);
        Assert.Equal(1, detector.Warnings);
        Assert.Equal(2, _logger.Entries.Count);
        Assert.StartsWith("thread-pool starvation: a work item waited 5000 ms", _logger.Entries[1].Message);
        Assert.True(detector.Probe());
        _clock.Advance(TimeSpan.FromSeconds(3));
        _queue.Dequeue()();
        Assert.Equal(2, detector.Warnings);
    }

    [Fact]
    public void Probe_QueueRefuses_CountsNothingAndCanProbeAgain()
    {
        var detector = new ThreadPoolStarvationDetector(_clock, TimeSpan.FromSeconds(1), _logger, _ => false);

        Assert.False(detector.Probe());
        Assert.Null(detector.Waiting);
        Assert.Equal(0, detector.Probes);
    }

    [Fact]
    public void Probe_StarvedWorkItem_RecordsDelayHistogramAndStarvationCounter()
    {
        var delays = new List<double>();
        long starvation = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TrainingTelemetry.Name &&
                    instrument.Name is ProcessHealthTelemetry.QueueDelayName or ProcessHealthTelemetry.StarvationName)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => { lock (delays) delays.Add(value); });
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref starvation, value));
        listener.Start();
        var detector = Detector(TimeSpan.FromSeconds(1));

        detector.Probe();
        _clock.Advance(TimeSpan.FromMilliseconds(2750));
        _queue.Dequeue()();

        // Other tests' detectors may record at the same time: look for this one's wait, and at least its warning.
        lock (delays) Assert.Contains(2.75, delays);
        Assert.True(Interlocked.Read(ref starvation) >= 1);
    }

    [Fact]
    public async Task Probe_RealThreadPool_RunsTheWorkItemAndMeasuresIt()
    {
        // A threshold no healthy pool reaches, even on a loaded test machine: this checks the real queueing path.
        var detector = new ThreadPoolStarvationDetector(TimeProvider.System, TimeSpan.FromMinutes(5), _logger);

        // Bounds the wait if the work item never runs (the test then fails instead of hanging).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));

        Assert.True(detector.Probe());
        while (detector.Probes == 0)
            await Task.Delay(10, timeout.Token);

        Assert.Null(detector.Waiting);
        Assert.Equal(0, detector.Warnings);
        Assert.Empty(_logger.Entries);
        Assert.True(detector.Probe());
    }

    private ThreadPoolStarvationDetector Detector(TimeSpan threshold) =>
        new(_clock, threshold, _logger, work =>
        {
            _queue.Enqueue(work);
            return true;
        });
}
