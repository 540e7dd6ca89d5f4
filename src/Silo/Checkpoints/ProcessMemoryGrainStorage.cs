using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// Grain storage in this process's memory, shared by every silo the process hosts (the in-process test cluster, the
/// embedded local cluster). Orleans' own memory storage keeps state in grains spread over the silos, so a checkpoint
/// would die with the silo whose loss it is meant to survive; this store lives as long as the process. Values are
/// kept serialized (Orleans' serializer), so a reader never shares objects with a writer. ETags are checked as
/// Orleans' providers do: a write or clear with a stale ETag fails. Records are scoped by service and cluster id.
/// </summary>
public sealed class ProcessMemoryGrainStorage(Serializer serializer, IOptions<ClusterOptions> cluster) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, (byte[] Value, string ETag)> Records = new(StringComparer.Ordinal);
    private static long _version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (Records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = serializer.Deserialize<T>(record.Value);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            // As Orleans' own providers do: state never written starts as a new instance, not null (the job registry's).
            grainState.State = typeof(T).GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance<T>() : default!;
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        string key = Key(stateName, grainId);
        string etag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        var value = (serializer.SerializeToArray(grainState.State), etag);
        lock (Records)
        {
            CheckETag(key, grainState.ETag);
            Records[key] = value;
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        string key = Key(stateName, grainId);
        lock (Records)
        {
            CheckETag(key, grainState.ETag);
            Records.TryRemove(key, out _);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static void CheckETag(string key, string? etag)
    {
        if (Records.TryGetValue(key, out var current) && current.ETag != etag)
            throw new InconsistentStateException($"record {key}: stored ETag {current.ETag}, given {etag ?? "none"}", current.ETag, etag ?? string.Empty);
    }

    // Scoped by cluster: several clusters in one process (test fixtures, embedded clusters) never see each other's jobs.
    private string Key(string stateName, GrainId grainId) => $"{cluster.Value.ServiceId}|{cluster.Value.ClusterId}|{stateName}|{grainId}";
}
