using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class ScheduleFactoryTests
{
    [Theory]
    [InlineData(LrScheduleSpec.PerEpoch, false)]
    [InlineData(LrScheduleSpec.PerStep, true)]
    public void Validate_KnownInterval_IsAcceptedAndSaysWhenToStep(string interval, bool perStep)
    {
        var spec = new LrScheduleSpec { Kind = LrScheduleSpec.Cosine, TMax = 10, Interval = interval };

        ScheduleFactory.Validate(spec);

        Assert.Equal(perStep, ScheduleFactory.StepsPerOptimizerStep(spec));
    }

    [Fact]
    public void Interval_DefaultsToEpoch() => Assert.False(ScheduleFactory.StepsPerOptimizerStep(new LrScheduleSpec()));

    [Theory]
    [InlineData("batch")]
    [InlineData("")]
    [InlineData("Step")]
    public void Validate_UnknownInterval_NamesTheField(string interval)
    {
        var error = Assert.Throws<JobSpecException>(() => ScheduleFactory.Validate(new LrScheduleSpec { Interval = interval }));

        Assert.Equal("lrSchedule.interval", error.Field);
        Assert.Contains("known intervals: epoch, step", error.Message);
    }

    [Fact]
    public void Validate_PerStepPeriod_CountsSteps()
    {
        var error = Assert.Throws<JobSpecException>(() => ScheduleFactory.Validate(new LrScheduleSpec { StepSize = 0, Interval = LrScheduleSpec.PerStep }));

        Assert.Equal("lrSchedule.stepSize", error.Field);
        Assert.Contains("at least 1 step", error.Message);
    }
}
