using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// Samples the silo process every <see cref="ProcessHealthOptions.SampleInterval"/> (GC heap, working set,
/// collections, threads, thread pool) and logs each sample as <c>process-health {json}</c> at Information
/// (<see cref="ProcessHealthLog"/>); in between, every <see cref="ProcessHealthOptions.ProbeInterval"/>, it queues a
/// thread-pool probe (<see cref="ThreadPoolStarvationDetector"/>) that warns of starvation.
/// </summary>
/// <remarks>
/// Runs on a thread of its own, not on the pool it watches: a starved pool would otherwise delay the probes'
/// queueing and the samples themselves, and hide the very stall it should report.
/// </remarks>
public sealed class ProcessHealthSampler : IHostedService, IDisposable
{
    private readonly ProcessHealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProcessHealthSampler> _logger;
    private readonly ManualResetEventSlim _stop = new();
    private readonly long _started;
    private Thread? _thread;
    private long _sequence;
    private ProcessHealthSample? _latest;

    public ProcessHealthSampler(ProcessHealthOptions options, TimeProvider time, ILogger<ProcessHealthSampler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger;
        _started = time.GetTimestamp();
        Detector = new ThreadPoolStarvationDetector(time, options.StarvationThreshold, logger);
    }

    /// <summary>The thread-pool probe.</summary>
    public ThreadPoolStarvationDetector Detector { get; }

    /// <summary>The last sample taken, or null before the first.</summary>
    public ProcessHealthSample? Latest => Volatile.Read(ref _latest);

    /// <summary>Takes a sample now, logs it and keeps it as <see cref="Latest"/>.</summary>
    public ProcessHealthSample Sample()
    {
        var sample = ProcessHealthSample.Capture(Interlocked.Increment(ref _sequence), _time.GetUtcNow(), _time.GetElapsedTime(_started), Detector);
        Volatile.Write(ref _latest, sample);
        if (_logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("process-health {Sample}", ProcessHealthLog.ToJson(sample));
        return sample;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_thread is not null) throw new InvalidOperationException("the process-health sampler has already started");
        _thread = new Thread(Run) { IsBackground = true, Name = "Autograd.ProcessHealth" };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Set();
        // The loop wakes at once; the join bounds a sample caught mid-way (it reads /proc, a few ms).
        _thread?.Join(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void Run()
    {
        long lastSample = _time.GetTimestamp();
        Guarded(() => Sample());
        while (!_stop.Wait(_options.ProbeInterval))
        {
            Guarded(() => Detector.Probe());
            if (_time.GetElapsedTime(lastSample) < _options.SampleInterval) continue;
            lastSample = _time.GetTimestamp();
            Guarded(() => Sample());
        }
    }

    // An exception on this thread would end the silo's process: log it and keep sampling.
    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "process-health sampling failed");
        }
    }
}
