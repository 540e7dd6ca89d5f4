using Autograd.Cluster.Silo.Telemetry;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>A sample's log line read back whatever the console formatter puts around it.</summary>
public sealed class ProcessHealthLogTests
{
    private static readonly ProcessHealthSample Sample = new()
    {
        Sequence = 7,
        Time = new DateTimeOffset(2026, 11, 26, 3, 20, 0, TimeSpan.Zero),
        UptimeSeconds = 70.5,
        ProcessId = 4242,
        GcHeapBytes = 123_456_789,
        WorkingSetBytes = 456_789_012,
        Gen2Collections = 3,
        Threads = 41,
        ProbeMaxDelayMilliseconds = 12.5,
        StarvationWarnings = 1,
    };

    [Theory]
    [InlineData("")]
    [InlineData("      ")]
    [InlineData("info: Autograd.Cluster.Silo.Telemetry.ProcessHealthSampler[0] ")]
    [InlineData("03:20:00.000 info: Autograd.Cluster.Silo.Telemetry.ProcessHealthSampler[0] ")]
    public void TryParse_LineWithFormatterPrefix_ReadsTheSample(string prefix)
    {
        string line = prefix + ProcessHealthLog.Prefix + ProcessHealthLog.ToJson(Sample);

        Assert.True(ProcessHealthLog.TryParse(line, out var parsed));
        Assert.Equal(Sample, parsed);
    }

    [Fact]
    public void ToJson_Sample_UsesTheSnakeCaseNamesScriptsReadOnOneLine()
    {
        string json = ProcessHealthLog.ToJson(Sample);

        Assert.DoesNotContain('\n', json);
        Assert.Contains("\"gc_heap_bytes\":123456789", json, StringComparison.Ordinal);
        Assert.Contains("\"working_set_bytes\":456789012", json, StringComparison.Ordinal);
        Assert.Contains("\"gen2\":3", json, StringComparison.Ordinal);
        Assert.Contains("\"starvation_warnings\":1", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("info: Orleans.Runtime.Silo[100404]")]
    [InlineData("process-health without json")]
    [InlineData("process-health {\"seq\":1,\"gc_heap_bytes\":12")]
    public void TryParse_OtherOrTruncatedLine_ReturnsFalse(string? line)
    {
        Assert.False(ProcessHealthLog.TryParse(line, out var parsed));
        Assert.Null(parsed);
    }
}
