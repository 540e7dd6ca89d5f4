using Autograd.Cluster.Cli.Output;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Contracts.Status;
using Xunit;

namespace Autograd.Cluster.Cli.Tests.Output;

public sealed class ProgressDisplayTests
{
    [Fact]
    public void Show_NotATerminal_PrintsPlainLinesAtMostEveryInterval()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var display = new ProgressDisplay(new CliConsole(output, TextWriter.Null, Interactive: false), clock);

        display.Show(Progress(step: 10));
        clock.Advance(TimeSpan.FromSeconds(1));
        display.Show(Progress(step: 20));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        display.Show(Progress(step: 30));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("epoch 1/2  [##------------------] 10%  step 10/100  loss 0.5000  acc 75.0%  12.3k samples/s", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain('\r', output.ToString());
        // 20 steps in 2.5 s leave 70 steps: 8.75 s.
        Assert.EndsWith("ETA 0:08", lines[1].TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Show_Terminal_RedrawsOneLineAndPutsEpochsAndEventsOnTheirOwn()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay(new CliConsole(output, TextWriter.Null, Interactive: true), new ManualClock());

        display.Show(Progress(step: 10));
        display.Show(Progress(step: 50) with
        {
            NewEvents = [new JobEvent(DateTimeOffset.UnixEpoch, "recovered", "worker 1 lost"), new JobEvent(DateTimeOffset.UnixEpoch, "checkpoint", "step 50")],
            Status = Progress(50).Status with { EpochHistory = [new EpochMetrics(0, 0.6, 0.7, 600, 1, 600)] },
        });
        display.Finish();

        string text = output.ToString();
        Assert.StartsWith("\repoch 1/2", text, StringComparison.Ordinal);
        Assert.Contains("[recovered] worker 1 lost\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("checkpoint", text, StringComparison.Ordinal);
        Assert.Contains("epoch 1/2: loss 0.6000, accuracy 70.00%", text, StringComparison.Ordinal);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Epoch_WithTrainingTime_ShowsBothRates()
    {
        var withTraining = ProgressDisplay.Epoch(new EpochMetrics(0, 0.6, 0.7, 60_000, 2, 30_000, TrainingSeconds: 1.5), 2);
        var without = ProgressDisplay.Epoch(new EpochMetrics(0, 0.6, 0.7, 60_000, 2, 30_000), 2);

        Assert.EndsWith("30.0k samples/s (40.0k/s in training steps), 2.0 s", withTraining, StringComparison.Ordinal);
        Assert.EndsWith("30.0k samples/s, 2.0 s", without, StringComparison.Ordinal);
    }

    private static JobProgress Progress(long step) => new()
    {
        JobId = "j",
        State = JobState.Running,
        Step = step,
        TotalSteps = 100,
        Epoch = (int)(step / 50),
        Epochs = 2,
        Loss = 0.5,
        Accuracy = 0.75,
        SamplesPerSecond = 12_345,
        Status = new JobStatus { JobId = "j", State = JobState.Running, Step = step, TotalSteps = 100, Epochs = 2 },
    };

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
