using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// Measures how long a work item queued to the .NET thread pool waits before it runs, and logs a warning
/// <c>thread-pool starvation: a work item waited X ms</c> when that is longer than a threshold. One probe at a time: while
/// one waits, <see cref="Probe"/> queues no other, so a pool stalled for 10 s is one starvation episode, not ten. A
/// probe still queued past the threshold is reported at once (<c>... has waited X ms so far</c>), so that a pool that
/// stays starved is not silent until it recovers; its final wait is logged when it runs, counted once.
/// </summary>
/// <remarks>
/// Call <see cref="Probe"/> from a thread outside the pool (the sampler's own), so that the probes keep being queued on
/// time however starved the pool is. A GC pause delays the probe too: the warning then reports the pause, which is as
/// much a stall for the grains as a starved pool.
/// </remarks>
public sealed class ThreadPoolStarvationDetector
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _threshold;
    private readonly ILogger _logger;
    private readonly Func<Action, bool> _enqueue;
    private readonly Lock _lock = new();
    private long _inFlightSince = -1;
    private bool _warnedWhileWaiting;
    private TimeSpan _maxDelaySinceTake;
    private long _probes;
    private long _warnings;

    /// <param name="time">The clock that stamps a probe when it is queued and when it runs.</param>
    /// <param name="threshold">A probe that waited longer is logged as starvation.</param>
    /// <param name="logger">Receives the warnings.</param>
    /// <param name="enqueue">Queues a work item (default: the thread pool's global queue); returns false when it could not.</param>
    public ThreadPoolStarvationDetector(TimeProvider time, TimeSpan threshold, ILogger logger, Func<Action, bool>? enqueue = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, TimeSpan.Zero);
        _time = time;
        _threshold = threshold;
        _logger = logger;
        _enqueue = enqueue ?? (work => ThreadPool.UnsafeQueueUserWorkItem(static w => w(), work, preferLocal: false));
    }

    /// <summary>Probes completed since the detector was made.</summary>
    public long Probes
    {
        get
        {
            lock (_lock) return _probes;
        }
    }

    /// <summary>Starvation warnings logged since the detector was made.</summary>
    public long Warnings => Interlocked.Read(ref _warnings);

    /// <summary>The wait of the probe still queued, or null when none is.</summary>
    public TimeSpan? Waiting
    {
        get
        {
            lock (_lock) return _inFlightSince < 0 ? null : _time.GetElapsedTime(_inFlightSince);
        }
    }

    /// <summary>
    /// Queues one probe unless one still waits, and true when it queued one; when one still waits past the threshold
    /// and has not been reported yet, warns of it.
    /// </summary>
    public bool Probe()
    {
        long start = _time.GetTimestamp();
        bool queue = false;
        TimeSpan? stillWaiting = null;
        lock (_lock)
        {
            if (_inFlightSince < 0)
            {
                _inFlightSince = start;
                _warnedWhileWaiting = false;
                queue = true;
            }
            else if (!_warnedWhileWaiting && _time.GetElapsedTime(_inFlightSince) is var waited && waited > _threshold)
            {
                _warnedWhileWaiting = true;
                stillWaiting = waited;
            }
        }

        if (stillWaiting is { } wait)
        {
            Count();
            Log(wait, stillQueued: true);
        }

        if (!queue) return false;
        if (_enqueue(() => Completed(start))) return true;
        lock (_lock) _inFlightSince = -1;
        return false;
    }

    /// <summary>
    /// The longest wait since the previous call, counting the probe still queued (a pool starved for good still
    /// shows), and resets it.
    /// </summary>
    public TimeSpan TakeMaxDelay()
    {
        lock (_lock)
        {
            var waiting = _inFlightSince < 0 ? TimeSpan.Zero : _time.GetElapsedTime(_inFlightSince);
            var max = _maxDelaySinceTake > waiting ? _maxDelaySinceTake : waiting;
            _maxDelaySinceTake = TimeSpan.Zero;
            return max;
        }
    }

    private void Completed(long start)
    {
        var delay = _time.GetElapsedTime(start);
        bool warned;
        lock (_lock)
        {
            warned = _warnedWhileWaiting;
            _inFlightSince = -1;
            _probes++;
            if (delay > _maxDelaySinceTake) _maxDelaySinceTake = delay;
        }

        ProcessHealthTelemetry.QueueDelay.Record(delay.TotalSeconds);
        if (delay <= _threshold) return;
        if (!warned) Count();
        Log(delay, stillQueued: false);
    }

    // One count per starved probe, whether reported while it waited or when it ran.
    private void Count()
    {
        Interlocked.Increment(ref _warnings);
        ProcessHealthTelemetry.Starvation.Add(1);
    }

    private void Log(TimeSpan delay, bool stillQueued)
    {
        ThreadPool.GetMaxThreads(out int maxWorkers, out _);
        if (stillQueued)
        {
            _logger.LogWarning(
                "thread-pool starvation: a work item has waited {DelayMs:F0} ms so far and is still queued (threshold {ThresholdMs:F0} ms; pool threads {Threads} of at most {MaxThreads}, {Pending} items queued)",
                delay.TotalMilliseconds, _threshold.TotalMilliseconds, ThreadPool.ThreadCount, maxWorkers, ThreadPool.PendingWorkItemCount);
        }
        else
        {
            _logger.LogWarning(
                "thread-pool starvation: a work item waited {DelayMs:F0} ms (threshold {ThresholdMs:F0} ms; pool threads {Threads} of at most {MaxThreads}, {Pending} items queued)",
                delay.TotalMilliseconds, _threshold.TotalMilliseconds, ThreadPool.ThreadCount, maxWorkers, ThreadPool.PendingWorkItemCount);
        }
    }
}
