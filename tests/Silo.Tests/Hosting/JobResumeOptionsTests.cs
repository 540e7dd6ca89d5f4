using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class JobResumeOptionsTests
{
    [Fact]
    public void Constructor_NothingSet_GivesTheDefaults()
    {
        var options = Read();

        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60)), (options.Settle, options.MaxWait));
    }

    [Fact]
    public void Constructor_BothSet_ReadsThemInSeconds()
    {
        var options = Read((JobResumeOptions.SettleKey, " 0 "), (JobResumeOptions.MaxWaitKey, "2.5"));

        Assert.Equal((TimeSpan.Zero, TimeSpan.FromSeconds(2.5)), (options.Settle, options.MaxWait));
    }

    [Theory]
    [InlineData(JobResumeOptions.SettleKey, "-1")]
    [InlineData(JobResumeOptions.SettleKey, "soon")]
    [InlineData(JobResumeOptions.MaxWaitKey, "3601")]
    [InlineData(JobResumeOptions.MaxWaitKey, "NaN")]
    public void Constructor_BadValue_FailsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private static JobResumeOptions Read(params (string Key, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());
}
