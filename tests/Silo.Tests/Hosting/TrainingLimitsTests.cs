using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class TrainingLimitsTests
{
    [Fact]
    public void Read_NothingSet_GivesTheDefaults()
    {
        var limits = Read();

        Assert.Equal(256L * 1024 * 1024, limits.MaxParametersPerJob);
        Assert.Equal(512L * 1024 * 1024, limits.MaxUploadBytes);
        Assert.Equal(16, limits.MaxConcurrentJobs);
    }

    [Fact]
    public void Read_EnvironmentStyleKeys_ReadsEveryValue()
    {
        var limits = Read(
            (TrainingLimits.MaxParametersPerJobKey, " 1000 "),
            (TrainingLimits.MaxUploadBytesKey, "4096"),
            (TrainingLimits.MaxConcurrentJobsKey, "0"));

        Assert.Equal((1000L, 4096L, 0), (limits.MaxParametersPerJob, limits.MaxUploadBytes, limits.MaxConcurrentJobs));
    }

    [Theory]
    [InlineData(TrainingLimits.MaxParametersPerJobKey, "0")]
    [InlineData(TrainingLimits.MaxParametersPerJobKey, "268435457")] // above the per-model cap
    [InlineData(TrainingLimits.MaxParametersPerJobKey, "1e6")]
    [InlineData(TrainingLimits.MaxUploadBytesKey, "-1")]
    [InlineData(TrainingLimits.MaxUploadBytesKey, "lots")]
    [InlineData(TrainingLimits.MaxConcurrentJobsKey, "-3")]
    [InlineData(TrainingLimits.MaxConcurrentJobsKey, "2147483648")]
    public void Read_BadValue_FailsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.StartsWith($"configuration {key}: '{value}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void UploadBudget_FromLimits_HoldsFourUploadsOfTheLargestSize()
    {
        Assert.Equal(4 * 1000, new UploadBudget(new TrainingLimits { MaxUploadBytes = 4000 }).Capacity);
        Assert.Equal(UploadBudget.MaxValuesPerSilo, new UploadBudget(new TrainingLimits()).Capacity);
    }

    private static TrainingLimits Read(params (string Key, string Value)[] values) =>
        TrainingLimits.Read(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());
}
