namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// How one worker reaches each of its shards: over the data plane to the shard's silo (<see cref="Endpoint"/>), or by a
/// grain call (null: the shard shares the worker's silo, so the call passes the block by reference, or its silo has no
/// data plane). Also holds the array the data plane's answers land in, one float per float of the exchanged vector.
/// </summary>
internal sealed class ShardRoutes
{
    private readonly string?[] _endpoints;
    private readonly string?[] _localEndpoints;
    private readonly string?[] _silos;
    private readonly string[] _keys;
    private readonly byte[][] _keyBytes;
    private readonly int[] _offsets;

    public ShardRoutes(string?[] endpoints, string[] keys, int[] counts, string?[]? silos = null, string?[]? localEndpoints = null)
    {
        _endpoints = endpoints;
        _localEndpoints = localEndpoints ?? new string?[endpoints.Length];
        _silos = silos ?? new string?[endpoints.Length];
        _keys = keys;
        _keyBytes = keys.Select(FrameCodec.EncodeKey).ToArray();
        _offsets = new int[counts.Length];
        int total = 0;
        for (int s = 0; s < counts.Length; s++)
        {
            _offsets[s] = total;
            total = checked(total + counts[s]);
        }

        Answers = new float[total];
        Counts = counts;
    }

    /// <summary>
    /// Where remote shards' answers are read to, at <see cref="Offset"/>, unless the caller names its own array: reused by
    /// every exchange over the same shards, so a caller copies its answers out before its next exchange (a worker loads
    /// them into its model at once).
    /// </summary>
    public float[] Answers { get; }

    /// <summary>The floats each shard's block holds, as resolved.</summary>
    public int[] Counts { get; }

    /// <summary>Shards that go over the data plane.</summary>
    public int RemoteCount => _endpoints.Count(e => e is not null);

    /// <summary>Shard <paramref name="shard"/>'s data-plane endpoint, or null for a grain call.</summary>
    public string? Endpoint(int shard) => _endpoints[shard];

    /// <summary>
    /// The local socket of shard <paramref name="shard"/>'s data plane (<see cref="LocalSockets"/>), tried before
    /// <see cref="Endpoint"/>; null when its silo has none (or the shard goes by grain call).
    /// </summary>
    public string? LocalEndpoint(int shard) => _endpoints[shard] is null ? null : _localEndpoints[shard];

    /// <summary>
    /// Where shard <paramref name="shard"/>'s chunks go, as failures name it: the endpoint and, when its shard reported
    /// it, the silo (the coordinator's "silo-lost" event quotes the failure, as it quotes a failed grain call's).
    /// </summary>
    public string Where(int shard) => _silos[shard] is { } silo ? $"{_endpoints[shard]}, silo {silo}" : _endpoints[shard] ?? "";

    /// <summary>Shard <paramref name="shard"/>'s grain key.</summary>
    public string Key(int shard) => _keys[shard];

    /// <summary>The key's UTF-8 bytes, as a frame carries them.</summary>
    public byte[] KeyBytes(int shard) => _keyBytes[shard];

    /// <summary>Where shard <paramref name="shard"/>'s block starts in <see cref="Answers"/>.</summary>
    public int Offset(int shard) => _offsets[shard];
}
