using Autograd.Cluster.Testing;

namespace Autograd.Bench.Cluster;

/// <summary>
/// The benchmark's loopback cluster of separate silo processes: tests/Autograd.Cluster.Testing's
/// <see cref="SiloProcessCluster"/> (a private <c>redis-server</c>, N processes of src/Silo's executable, an Orleans
/// client) with the benchmark's ids and a longer start timeout, since pinned silos start slowly. Everything it starts
/// is killed on dispose.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly SiloProcessCluster _cluster;

    private SiloCluster(SiloProcessCluster cluster) => _cluster = cluster;

    public IGrainFactory Grains => _cluster.Grains;

    /// <summary>The silo processes, in the order they were started.</summary>
    public IReadOnlyList<SiloProcess> Silos => _cluster.Silos;

    /// <summary>
    /// Starts <paramref name="silos"/> silo processes; silo i runs under <c>taskset -c pins[i]</c> when
    /// <paramref name="pins"/> is given, with <paramref name="environment"/> added to its environment.
    /// </summary>
    public static async Task<SiloCluster> StartAsync(int silos, string[]? pins = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!RedisServer.IsInstalled) throw new InvalidOperationException($"{RedisServer.Executable} is not installed (apt-get install redis-server)");
        var options = new SiloProcessClusterOptions
        {
            Silos = silos,
            ServiceId = "autograd-bench",
            ClusterIdPrefix = "bench",
            StartTimeout = StartTimeout,
            Pins = pins,
            Environment = environment,
        };
        return new SiloCluster(await SiloProcessCluster.StartAsync(options));
    }

    /// <summary>Every process's output tail, for failure messages.</summary>
    public string Output() => _cluster.Output();

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
