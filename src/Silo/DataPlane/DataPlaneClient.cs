using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// A silo's side of sending gradient chunks over the data plane: one persistent <see cref="ClientConnection"/> per
/// remote silo, shared by the silo's workers, and each worker's <see cref="ShardRoutes"/> (which shard lives where,
/// asked once of the shards themselves). A chunk waits at most Orleans' response timeout, as a grain call does.
/// </summary>
public sealed class DataPlaneClient(DataPlaneOptions options, DataPlaneServer server, TlsSettings tls, IOptions<SiloMessagingOptions> messaging) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<ClientConnection>> _connections = new();

    // Keyed by the caller's list of shard grains (a worker keeps one per setup): the routes die with it.
    private readonly ConditionalWeakTable<object, ShardRoutes> _routes = new();

    /// <summary>Whether chunks may go over the data plane: it is on and this silo's own server listens.</summary>
    public bool Enabled => options.Enabled && server.Endpoint is not null;

    private TimeSpan Timeout => messaging.Value.ResponseTimeout;

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.IsCompletedSuccessfully) await connection.Result.DisposeAsync();
        }

        _connections.Clear();
    }

    /// <summary>
    /// The routes of <paramref name="shards"/> (whose blocks hold <paramref name="counts"/> floats), asked of the shards
    /// once per list; null when a shard cannot say (the exchange then makes grain calls, which report the shard's error).
    /// </summary>
    internal async Task<ShardRoutes?> RoutesAsync(IReadOnlyList<IParameterShardGrain> shards, int[] counts)
    {
        if (_routes.TryGetValue(shards, out var known) && known.Counts.AsSpan().SequenceEqual(counts)) return known;
        ShardInfo[] infos;
        try
        {
            infos = await Task.WhenAll(shards.Select(s => s.GetInfoAsync()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }

        string? local = server.Endpoint;
        var endpoints = infos.Select(i => i.DataPlane is { } remote && remote != local ? remote : null).ToArray();
        var localEndpoints = infos.Select(i => options.LocalSocket && LocalSockets.IsName(i.LocalDataPlane) ? i.LocalDataPlane : null).ToArray();
        var routes = new ShardRoutes(
            endpoints, shards.Select(s => s.GetPrimaryKeyString()).ToArray(), counts, infos.Select(i => i.Silo).ToArray(), localEndpoints);
        _routes.AddOrUpdate(shards, routes);
        return routes;
    }

    /// <summary>The activation of shard <paramref name="key"/> in this silo (<see cref="LocalShards"/>); null when it is not here.</summary>
    internal IParameterShardGrain? LocalShard(string key) => server.Shards.Find(key);

    /// <summary>
    /// Hands one chunk to <paramref name="shard"/>, the activation of shard <paramref name="key"/> in this silo, with a
    /// method call, bounded as a grain call is: no answer within the response timeout fails it naming the shard, and
    /// <paramref name="cancellationToken"/> stops the wait (the shard keeps the chunk, as it does a grain call's).
    /// </summary>
    internal Task<FloatBlock> ReduceLocallyAsync(IParameterShardGrain shard, string key, GradientContribution contribution, CancellationToken cancellationToken)
    {
        var reducing = shard.ReduceAsync(contribution);
        return reducing.IsCompleted ? reducing : BoundedAsync(reducing, key, cancellationToken);
    }

    private async Task<FloatBlock> BoundedAsync(Task<FloatBlock> reducing, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await reducing.WaitAsync(Timeout, cancellationToken);
        }
        catch (TimeoutException) when (!reducing.IsCompleted)
        {
            throw new TimeoutException($"shard {key} did not answer a chunk within {Timeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>How many of <paramref name="shards"/> the last exchange over that list reached over the data plane (0 before any).</summary>
    internal int RemoteShards(IReadOnlyList<IParameterShardGrain> shards) => _routes.TryGetValue(shards, out var routes) ? routes.RemoteCount : 0;

    /// <summary>
    /// Sends one chunk to shard <paramref name="shard"/> of <paramref name="routes"/> over the data plane; the answer
    /// lands in <paramref name="answers"/> (one float per float of the exchanged vector) at the chunk's place.
    /// </summary>
    /// <exception cref="DataPlaneException">The shard failed the chunk, or no answer came within the response timeout.</exception>
    /// <exception cref="SiloUnavailableException">The shard's silo cannot be reached (the coordinator recovers as from a lost silo).</exception>
    internal async Task<FloatBlock> ReduceAsync(ShardRoutes routes, int shard, GradientContribution contribution, float[] answers, CancellationToken cancellationToken)
    {
        string endpoint = routes.Endpoint(shard) ?? throw new ArgumentException($"data plane: shard {routes.Key(shard)} has no data-plane route", nameof(shard));
        var connection = await ConnectionAsync(endpoint, routes.LocalEndpoint(shard), routes.Where(shard), routes.Key(shard), cancellationToken);
        return await connection.ReduceAsync(
            routes.Key(shard), routes.KeyBytes(shard), contribution, answers, routes.Offset(shard) + contribution.Offset, Timeout, cancellationToken);
    }

    /// <summary>
    /// Whether this silo's connection to the data plane at <paramref name="endpoint"/> runs over its local socket (false
    /// over TCP, or with no connection yet).
    /// </summary>
    internal bool IsConnectedLocally(string endpoint) => Connected(endpoint)?.IsLocal == true;

    /// <summary>
    /// Whether this silo's connection to the data plane at <paramref name="endpoint"/> carries its chunks in a region of
    /// shared memory the peer mapped (false over the socket alone, or with no connection yet).
    /// </summary>
    internal bool IsConnectedShared(string endpoint) => Connected(endpoint)?.IsShared == true;

    // This silo's open connection to the data plane at <endpoint>; null while none is made.
    private ClientConnection? Connected(string endpoint) =>
        _connections.TryGetValue(endpoint, out var connecting) && connecting.IsCompletedSuccessfully ? connecting.Result : null;

    // where: the endpoint as failures name it (with its silo, see ShardRoutes.Where); the connection keeps it for its own.
    // Connections are keyed by the TCP endpoint, which names the remote silo's data plane whichever way it is reached.
    private async Task<ClientConnection> ConnectionAsync(string endpoint, string? localEndpoint, string where, string shardKey, CancellationToken cancellationToken)
    {
        // A connection found broken is replaced once; a second broken one is reported.
        for (int attempt = 0; ; attempt++)
        {
            var connecting = _connections.GetOrAdd(endpoint, (key, target) => Connect(key, target.LocalEndpoint, target.Where), (LocalEndpoint: localEndpoint, Where: where));
            try
            {
                var connection = await connecting.WaitAsync(cancellationToken);
                if (connection.IsOpen) return connection;
                _connections.TryRemove(new KeyValuePair<string, Task<ClientConnection>>(endpoint, connecting));
                if (attempt > 0) throw DataPlaneUnreachable.Create(shardKey, where, "the connection closed as it opened");
            }
            catch (Exception e) when (e is not SiloUnavailableException && !cancellationToken.IsCancellationRequested)
            {
                _connections.TryRemove(new KeyValuePair<string, Task<ClientConnection>>(endpoint, connecting));
                throw DataPlaneUnreachable.Create(shardKey, where, $"cannot connect: {e.Message}");
            }
        }
    }

    // Shared by every chunk that asks meanwhile, so not bound to one caller's cancellation; bounded by the response timeout.
    private async Task<ClientConnection> Connect(string endpoint, string? localEndpoint, string where)
    {
        using var limit = new CancellationTokenSource(Timeout);
        return await ClientConnection.ConnectAsync(endpoint, localEndpoint, where, tls, options.SharedMemoryBytes, limit.Token);
    }
}
