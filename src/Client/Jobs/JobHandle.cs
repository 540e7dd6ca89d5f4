using System.Runtime.CompilerServices;
using Autograd.Cluster.Client.Safetensors;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Client.Jobs;

/// <summary>
/// A submitted job: watch its progress, wait for its end, cancel it, download the trained model. A handle holds only
/// the job's id and the cluster connection, so <see cref="TrainingClient.GetJobAsync"/> gives an equal handle to any
/// client, after a restart too.
/// </summary>
public sealed class JobHandle
{
    /// <summary>How often <see cref="WatchAsync"/> and <see cref="WaitAsync"/> read the status unless told otherwise.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(250);

    private readonly ITrainingJobGrain _job;

    internal JobHandle(string jobId, ITrainingJobGrain job)
    {
        JobId = jobId;
        _job = job;
    }

    /// <summary>The job's id (the coordinator grain's key).</summary>
    public string JobId { get; }

    /// <summary>Floats per <see cref="ITrainingJobGrain.ReadParametersAsync"/> call; tests make it small to exercise the chunking.</summary>
    internal int DownloadChunkFloats { get; init; } = FloatBlock.MaxFloats;

    /// <summary>The job's current status.</summary>
    public Task<JobStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        _job.GetStatusAsync().WaitAsync(cancellationToken);

    /// <summary>
    /// Reads the status every <paramref name="pollInterval"/> (default <see cref="DefaultPollInterval"/>) and yields a
    /// <see cref="JobProgress"/> whenever something changed: state, step, epoch, or new events. The first status is
    /// always yielded; the sequence ends after the progress that shows the job finished.
    /// </summary>
    public async IAsyncEnumerable<JobProgress> WatchAsync(TimeSpan? pollInterval = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        JobStatus? previous = null;
        JobEvent? lastSeen = null;
        while (true)
        {
            var status = await GetStatusAsync(cancellationToken);
            if (previous is null || Changed(previous, status))
            {
                var fresh = EventsAfter(status.Events, lastSeen);
                if (status.Events.Length > 0) lastSeen = status.Events[^1];
                previous = status;
                yield return ToProgress(status, fresh);
            }

            if (status.IsFinished) yield break;
            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary>
    /// Waits for the job to end and returns its final status when it completed or was cancelled.
    /// </summary>
    /// <exception cref="TrainingJobFailedException">The job failed; the message is the cluster's reason.</exception>
    public async Task<JobStatus> WaitAsync(TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        JobStatus? last = null;
        await foreach (var progress in WatchAsync(pollInterval, cancellationToken)) last = progress.Status;
        if (last!.State == JobState.Failed) throw new TrainingJobFailedException(last);
        return last;
    }

    /// <summary>Asks the job to stop after the step in flight; its parameters stay downloadable once it has stopped.</summary>
    public Task<JobStatus> CancelAsync(string reason = "cancelled by the client", CancellationToken cancellationToken = default) =>
        _job.CancelAsync(reason).WaitAsync(cancellationToken);

    /// <summary>
    /// Downloads the job's final state dict (it must have ended) to <paramref name="path"/> as safetensors, with
    /// PyTorch's names (<c>0.weight</c>, ...) and dtypes (float32; int64 for counters such as BatchNorm's
    /// <c>num_batches_tracked</c>), in reads of at most <see cref="FloatBlock.MaxFloats"/> floats. The file appears
    /// whole or not at all. Returns the layout of what was written.
    /// </summary>
    /// <exception cref="InvalidOperationException">The job has not ended, or its parameters could not be read back after a failure.</exception>
    public async Task<ParameterLayout> DownloadModelAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var layout = await _job.GetParameterLayoutAsync().WaitAsync(cancellationToken);
        var entries = layout.Entries.OrderBy(e => e.Offset).ToArray();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt", ["job"] = JobId };
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string partial = full + ".partial";
        try
        {
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
            {
                var writer = await SafetensorsWriter.StartAsync(stream, entries, metadata, cancellationToken);
                var reader = new FlatReader(_job, layout.TotalElements, DownloadChunkFloats);
                foreach (var entry in entries)
                {
                    var values = await reader.ReadAsync(entry.Offset, SafetensorsWriter.Numel(entry.Shape), cancellationToken);
                    await writer.WriteEntryAsync(values, cancellationToken);
                }
            }

            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }

        return layout;
    }

    private static bool Changed(JobStatus a, JobStatus b) =>
        a.State != b.State || a.Step != b.Step || a.Epoch != b.Epoch || a.EpochHistory.Length != b.EpochHistory.Length ||
        a.Events.Length != b.Events.Length || (a.Events.Length > 0 && !a.Events[^1].Equals(b.Events[^1]));

    // The coordinator drops old events past a bound, so new ones are found after the last one seen, not by count.
    private static JobEvent[] EventsAfter(JobEvent[] events, JobEvent? lastSeen)
    {
        if (lastSeen is null) return events;
        int at = Array.LastIndexOf(events, lastSeen);
        return at < 0 ? events : events[(at + 1)..];
    }

    private static JobProgress ToProgress(JobStatus status, JobEvent[] fresh) => new()
    {
        JobId = status.JobId,
        State = status.State,
        Step = status.Step,
        TotalSteps = status.TotalSteps,
        Epoch = status.Epoch,
        Epochs = status.Epochs,
        Loss = status.Loss,
        Accuracy = status.Accuracy,
        SamplesPerSecond = status.SamplesPerSecond,
        Workers = status.Workers
            .Select(w => new WorkerStepTime(w.Rank, w.Silo, w.Device, w.LastSamples, w.LastComputeMilliseconds, w.LastReduceMilliseconds))
            .ToArray(),
        NewEvents = fresh,
        Status = status,
    };

    /// <summary>Reads the flat state vector in chunks, keeping the last chunk for the entries that follow.</summary>
    private sealed class FlatReader(ITrainingJobGrain job, long total, int chunk)
    {
        private float[] _block = [];
        private long _blockStart;

        public async Task<float[]> ReadAsync(long offset, int count, CancellationToken cancellationToken)
        {
            var values = new float[count];
            int done = 0;
            while (done < count)
            {
                long position = offset + done;
                if (position < _blockStart || position >= _blockStart + _block.Length)
                {
                    int length = (int)Math.Min(chunk, total - position);
                    if (length <= 0) throw new InvalidDataException($"the layout reaches past the {total} values the job holds");
                    _block = (await job.ReadParametersAsync(position, length).WaitAsync(cancellationToken)).ToArray();
                    _blockStart = position;
                }

                int from = (int)(position - _blockStart);
                int n = Math.Min(count - done, _block.Length - from);
                Array.Copy(_block, from, values, done, n);
                done += n;
            }

            return values;
        }
    }
}
