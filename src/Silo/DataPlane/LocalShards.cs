using System.Collections.Concurrent;
using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The parameter shards active in this silo, by grain key: the activations themselves, which a data-plane connection
/// hands a chunk to with a plain method call on the thread that read it, and a worker of this silo its own chunk on
/// its thread, instead of a grain call. The connection's grain call cost a step ~60 us on each silo's critical path
/// (median, 2-silo MLP timeline; ~110 us on average), and on a silo with one core a grain call's wake-up of another
/// thread could take the core before the worker had sent the other silos their chunks. A shard takes such calls beside its grain calls: it guards its
/// state with a lock (<c>ParameterShardGrain</c>). A key with no shard here (not activated yet, released, moved) goes
/// through a grain call, which activates or finds it, as before.
/// </summary>
public sealed class LocalShards
{
    private readonly ConcurrentDictionary<string, IParameterShardGrain> _shards = new(StringComparer.Ordinal);

    /// <summary>How many shards are registered (for tests).</summary>
    internal int Count => _shards.Count;

    /// <summary>Registers the activation <paramref name="shard"/> (not a grain reference) under its grain key.</summary>
    public void Add(string key, IParameterShardGrain shard) => _shards[key] = shard;

    /// <summary>Unregisters <paramref name="shard"/>, if it is still the one registered under <paramref name="key"/>.</summary>
    public void Remove(string key, IParameterShardGrain shard) =>
        _shards.TryRemove(new KeyValuePair<string, IParameterShardGrain>(key, shard));

    /// <summary>The activation of shard <paramref name="key"/> in this silo; null when there is none.</summary>
    public IParameterShardGrain? Find(string key) => _shards.TryGetValue(key, out var shard) ? shard : null;
}
