using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class StepRunOptionsTests
{
    [Fact]
    public void Read_NoKeys_KeepsTheDefaults()
    {
        var options = StepRunOptions.Read(Configuration());

        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Target);
        Assert.Equal(64, options.MaxSteps);
    }

    [Fact]
    public void Read_BothKeys_TakesThem()
    {
        var options = StepRunOptions.Read(Configuration((StepRunOptions.TargetMillisecondsKey, "50"), (StepRunOptions.MaxStepsKey, "1")));

        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Target);
        Assert.Equal(1, options.MaxSteps);
    }

    [Theory]
    [InlineData(StepRunOptions.MaxStepsKey, "0")]
    [InlineData(StepRunOptions.MaxStepsKey, "many")]
    [InlineData(StepRunOptions.TargetMillisecondsKey, "-5")]
    [InlineData(StepRunOptions.TargetMillisecondsKey, "0.5")]
    public void Read_BadValue_FailsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => StepRunOptions.Read(Configuration((key, value))));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
