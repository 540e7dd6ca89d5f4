namespace Autograd.Cluster.Testing;

/// <summary>How <see cref="SiloProcessCluster.StartAsync"/> builds a cluster.</summary>
public sealed record SiloProcessClusterOptions
{
    /// <summary>How many silo processes.</summary>
    public required int Silos { get; init; }

    /// <summary>The Orleans service id of the silos and the client.</summary>
    public required string ServiceId { get; init; }

    /// <summary>The start of the cluster id, which ends in a new GUID so that no two clusters share one.</summary>
    public string ClusterIdPrefix { get; init; } = "test";

    /// <summary>How long the client may retry its first connection, and then again how long the silos may take to become active members.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>When set, silo i runs under <c>taskset -c Pins[i]</c>; one entry per silo.</summary>
    public IReadOnlyList<string>? Pins { get; init; }

    /// <summary>Variables added to (or replacing) each silo's environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// Whether Redis keeps its data on disk (an append-only file synced on every write, in a temporary directory deleted
    /// on dispose), so that <see cref="RedisServer.RestartAsync"/> brings back membership and checkpoints. Default false.
    /// </summary>
    public bool PersistentRedis { get; init; }

    /// <summary>More configuration of the cluster's own client (e.g. TLS, when <see cref="Environment"/> turns it on in the silos).</summary>
    public Action<IClientBuilder>? ConfigureClient { get; init; }
}
