using Autograd.Cluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>The sampler reads this test process for real and logs lines that <see cref="ProcessHealthLog"/> reads back.</summary>
public sealed class ProcessHealthSamplerTests
{
    private readonly RecordingLogger<ProcessHealthSampler> _logger = new();

    [Fact]
    public void Sample_ThisProcess_ReadsHeapWorkingSetCollectionsThreadsAndPool()
    {
        using var sampler = new ProcessHealthSampler(new ProcessHealthOptions(), TimeProvider.System, _logger);
        GC.Collect();

        var first = sampler.Sample();
        var keep = new byte[8 << 20];
        GC.KeepAlive(keep);
        var second = sampler.Sample();

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Same(second, sampler.Latest);
        Assert.Equal(Environment.ProcessId, first.ProcessId);
        Assert.True(first.GcHeapBytes > 0, $"gc heap {first.GcHeapBytes}");
        Assert.True(first.GcTotalMemoryBytes > 0, $"gc total memory {first.GcTotalMemoryBytes}");
        Assert.True(first.WorkingSetBytes > 0, $"working set {first.WorkingSetBytes}");
        Assert.True(first.Gen2Collections >= 1, "GC.Collect() above was a gen-2 collection");
        Assert.True(first.Threads >= 1 && first.ThreadPoolThreads >= 0);
        Assert.True(second.AllocatedBytes - first.AllocatedBytes >= 8 << 20, $"allocated {first.AllocatedBytes} -> {second.AllocatedBytes}");
        Assert.True(second.ThreadPoolCompleted >= first.ThreadPoolCompleted);
    }

    [Fact]
    public void Sample_Logged_AsOneInformationLineThatParsesBackToTheSample()
    {
        using var sampler = new ProcessHealthSampler(new ProcessHealthOptions(), TimeProvider.System, _logger);

        var sample = sampler.Sample();

        var (level, message) = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Information, level);
        Assert.StartsWith("process-health {\"seq\":1,", message);
        Assert.DoesNotContain('\n', message);
        Assert.True(ProcessHealthLog.TryParse(message, out var parsed));
        Assert.Equal(sample, parsed);
    }

    [Fact]
    public async Task StartAsync_Running_LogsSamplesEveryIntervalAndProbesThePool()
    {
        var options = new ProcessHealthOptions
        {
            SampleInterval = TimeSpan.FromMilliseconds(200),
            ProbeInterval = TimeSpan.FromMilliseconds(20),
            StarvationThreshold = TimeSpan.FromMinutes(5),
        };
        using var sampler = new ProcessHealthSampler(options, TimeProvider.System, _logger);
        // Bounds the waits below if the sampler never samples (the test then fails instead of hanging).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var cancel = timeout.Token;

        await sampler.StartAsync(cancel);
        while (Samples().Count < 3 || sampler.Detector.Probes < 3)
            await Task.Delay(20, cancel);
        await sampler.StopAsync(cancel);
        int stopped = Samples().Count;
        await Task.Delay(500, cancel);

        var samples = Samples();
        Assert.Equal(stopped, samples.Count);
        Assert.Equal(Enumerable.Range(1, samples.Count).Select(i => (long)i), samples.Select(s => s.Sequence));
        Assert.True(samples[^1].UptimeSeconds >= samples[0].UptimeSeconds);
        Assert.DoesNotContain(_logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData(nameof(ProcessHealthOptions.SampleInterval))]
    [InlineData(nameof(ProcessHealthOptions.ProbeInterval))]
    [InlineData(nameof(ProcessHealthOptions.StarvationThreshold))]
    public void Constructor_NonPositiveSetting_ThrowsNamingIt(string setting)
    {
        var options = setting switch
        {
            nameof(ProcessHealthOptions.SampleInterval) => new ProcessHealthOptions { SampleInterval = TimeSpan.Zero },
            nameof(ProcessHealthOptions.ProbeInterval) => new ProcessHealthOptions { ProbeInterval = TimeSpan.FromSeconds(-1) },
            _ => new ProcessHealthOptions { StarvationThreshold = TimeSpan.Zero },
        };

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessHealthSampler(options, TimeProvider.System, _logger));
        Assert.Equal(setting, e.ParamName);
    }

    private List<ProcessHealthSample> Samples() =>
        _logger.Entries.Select(e => ProcessHealthLog.TryParse(e.Message, out var s) ? s : null).OfType<ProcessHealthSample>().ToList();
}
