using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Grains;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class RunLengthTests
{
    [Fact]
    public void For_FirstRun_IsOneStep()
    {
        var length = new RunLength(new StepRunOptions());

        Assert.Equal(1, length.For(Plan(stepsPerEpoch: 100, epochs: 2, checkpointInterval: 0), 0));
    }

    [Theory]
    [InlineData(10, 20)] // 10 ms a step: 20 steps in 200 ms
    [InlineData(400, 1)] // slower than the target: one step at a time
    [InlineData(0.5, 64)] // faster than the cap allows
    public void For_AfterARun_FitsTheTargetAtThatPaceUpToTheCap(double stepMs, int expectedSteps)
    {
        var length = new RunLength(new StepRunOptions { Target = TimeSpan.FromMilliseconds(200), MaxSteps = 64 });
        length.Observe(8, TimeSpan.FromMilliseconds(8 * stepMs));

        int steps = length.For(Plan(stepsPerEpoch: 1000, epochs: 1, checkpointInterval: 0), 1);

        Assert.Equal(expectedSteps, steps);
    }

    [Theory]
    [InlineData(0, 10)] // from the epoch's start to its end
    [InlineData(7, 3)] // the epoch's last 3 batches
    [InlineData(9, 1)] // the epoch's last batch alone
    [InlineData(10, 10)] // the next epoch
    public void For_NeverCrossesAnEpochEnd(long step, int expected)
    {
        var length = Paced(64);

        Assert.Equal(expected, length.For(Plan(stepsPerEpoch: 10, epochs: 3, checkpointInterval: 0), step));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(3, 1)]
    [InlineData(5, 3)]
    [InlineData(8, 2)] // the epoch (10 steps) ends before the next checkpoint (12)
    [InlineData(10, 2)]
    public void For_EndsAtTheNextCheckpoint(long step, int expected)
    {
        var length = Paced(64);

        Assert.Equal(expected, length.For(Plan(stepsPerEpoch: 10, epochs: 3, checkpointInterval: 4), step));
    }

    [Fact]
    public void For_NearTheJobsEnd_EndsAtTheLastStep()
    {
        var length = Paced(64);

        Assert.Equal(2, length.For(Plan(stepsPerEpoch: 100, epochs: 1, checkpointInterval: 0), 98));
    }

    [Fact]
    public void Reset_AfterPacedRuns_StartsAgainAtOneStep()
    {
        var length = Paced(64);

        length.Reset();

        Assert.Equal(1, length.For(Plan(stepsPerEpoch: 100, epochs: 1, checkpointInterval: 0), 0));
    }

    [Fact]
    public void For_MaxStepsOne_AsksForOneStepAtATime()
    {
        var length = new RunLength(new StepRunOptions { MaxSteps = 1 });
        length.Observe(1, TimeSpan.FromMilliseconds(0.01));

        Assert.Equal(1, length.For(Plan(stepsPerEpoch: 100, epochs: 1, checkpointInterval: 0), 5));
    }

    /// <summary>A run length that has seen steps fast enough for <paramref name="cap"/> steps a run.</summary>
    private static RunLength Paced(int cap)
    {
        var length = new RunLength(new StepRunOptions { Target = TimeSpan.FromSeconds(1), MaxSteps = cap });
        length.Observe(1, TimeSpan.FromMilliseconds(1));
        return length;
    }

    private static JobPlan Plan(int stepsPerEpoch, int epochs, int checkpointInterval) =>
        new(new JobSpec { Epochs = epochs, CheckpointInterval = checkpointInterval }, stepsPerEpoch * 12, stepsPerEpoch, new ParameterLayout(), [], [], true);
}
