using System.Globalization;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Autograd.Cluster.Testing;

/// <summary>
/// A real cluster on loopback: a private <see cref="RedisServer"/> as the membership table, silo processes
/// (<c>dotnet Autograd.Cluster.Silo.dll</c> of this build's configuration, configured by environment variables as a
/// deployment would be) and an Orleans client. Everything it starts is killed on dispose.
/// </summary>
public sealed class SiloProcessCluster : IAsyncDisposable
{
    private readonly SiloProcessClusterOptions _options;
    private readonly List<SiloProcess> _silos = [];
    // Silos killed and not (yet) restarted, and the generation each silo port's incarnation had when last seen active:
    // a restarted silo counts as up only once an incarnation of a later generation is active on its port.
    private readonly HashSet<SiloProcess> _killed = [];
    private readonly Dictionary<int, int> _generations = [];
    private RedisServer? _redis;
    private string? _redisDirectory;
    private IHost? _client;

    private SiloProcessCluster(SiloProcessClusterOptions options)
    {
        _options = options;
        ClusterId = $"{options.ClusterIdPrefix}-{Guid.NewGuid():N}";
    }

    /// <summary>The Orleans cluster id, unique to this cluster.</summary>
    public string ClusterId { get; }

    /// <summary>The Orleans service id.</summary>
    public string ServiceId => _options.ServiceId;

    /// <summary>The membership store's StackExchange.Redis connection string (<c>127.0.0.1:port</c>).</summary>
    public string RedisConnectionString => (_redis ?? throw new InvalidOperationException("the cluster has not started")).ConnectionString;

    /// <summary>The silos, in the order they were started (a restarted silo keeps its place; a killed one stays until restarted).</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The silos not killed through <see cref="Kill"/> (or restarted since).</summary>
    public IReadOnlyList<SiloProcess> RunningSilos => _silos.Where(s => !_killed.Contains(s)).ToList();

    /// <summary>The membership store (and, with <see cref="SiloProcessClusterOptions.PersistentRedis"/>, the checkpoint store that survives its restarts).</summary>
    public RedisServer Redis => _redis ?? throw new InvalidOperationException("the cluster has not started");

    /// <summary>The client's grain factory.</summary>
    public IGrainFactory Grains => (_client ?? throw new InvalidOperationException("the cluster has not started")).Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Starts Redis, <see cref="SiloProcessClusterOptions.Silos"/> silo processes and a client, and returns once every
    /// silo is an active member; on failure it leaves no process behind and the exception holds every process's output.
    /// </summary>
    public static async Task<SiloProcessCluster> StartAsync(SiloProcessClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Silos <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.Silos, "a cluster needs at least one silo (Silos)");
        if (options.Pins is not null && options.Pins.Count != options.Silos)
            throw new ArgumentException($"{options.Pins.Count} CPU pins for {options.Silos} silos", nameof(options));

        var cluster = new SiloProcessCluster(options);
        try
        {
            if (options.PersistentRedis)
            {
                cluster._redisDirectory = Path.Combine(Path.GetTempPath(), $"autograd-redis-{Guid.NewGuid():N}");
                cluster._redis = await RedisServer.StartPersistentAsync(cluster._redisDirectory, cancellationToken);
            }
            else
            {
                cluster._redis = await RedisServer.StartAsync(cancellationToken);
            }

            cluster.StartSilos();
            await cluster.StartClientAsync(cancellationToken);
            await cluster.WaitForActiveSilosAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops a client within a few seconds, whether or not its gateway still answers, and disposes it.</summary>
    public static async Task StopClientAsync(IHost client)
    {
        try
        {
            await client.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException)
        {
            // The cluster is gone; nothing to leave cleanly.
        }

        client.Dispose();
    }

    /// <summary>Every process's output tail, Redis's first, for failure messages.</summary>
    public string Output() =>
        string.Join(Environment.NewLine, _silos.Select(s => s.Process.Output()).Prepend(_redis?.Output() ?? ""));

    /// <summary>SIGKILL to <paramref name="silo"/>'s process, as a crashed host; it stays in <see cref="Silos"/> until <see cref="RestartSiloAsync"/>.</summary>
    public void Kill(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!_silos.Contains(silo)) throw new ArgumentException($"{silo.Process.Name} is not a current silo of this cluster", nameof(silo));
        silo.Process.Kill();
        _killed.Add(silo);
    }

    /// <summary>Kills every running silo (see <see cref="Kill"/>).</summary>
    public void KillAll()
    {
        foreach (var silo in RunningSilos) Kill(silo);
    }

    /// <summary>
    /// Starts <paramref name="silo"/> again (killing it first if it still runs) with the same configuration and ports,
    /// as an orchestrator restarts a crashed pod, and returns the new process once every running silo is an active member.
    /// </summary>
    public async Task<SiloProcess> RestartSiloAsync(SiloProcess silo, CancellationToken cancellationToken = default)
    {
        var restarted = Restart(silo);
        await WaitForActiveSilosAsync(cancellationToken);
        return restarted;
    }

    /// <summary>
    /// Starts every killed silo again (see <see cref="RestartSiloAsync"/>); when none was left running, the client is
    /// replaced too (its gateways all died). Returns once every silo is an active member.
    /// </summary>
    public async Task RestartKilledSilosAsync(CancellationToken cancellationToken = default)
    {
        bool noneRan = _silos.All(_killed.Contains);
        foreach (var silo in _silos.Where(_killed.Contains).ToList()) Restart(silo);
        if (noneRan) await ReconnectClientAsync(cancellationToken);
        await WaitForActiveSilosAsync(cancellationToken);
    }

    /// <summary>
    /// Replaces the cluster's client with a new one (after every silo was restarted, the old one's gateways are gone)
    /// and returns once it is connected.
    /// </summary>
    public async Task ReconnectClientAsync(CancellationToken cancellationToken = default)
    {
        if (_client is not null) await StopClientAsync(_client);
        _client = null;
        await StartClientAsync(cancellationToken);
    }

    /// <summary>
    /// Waits (at most <see cref="SiloProcessClusterOptions.StartTimeout"/>) until each running silo is an active member
    /// (a restarted one: its new incarnation); a running silo whose process exits fails the wait with every output.
    /// </summary>
    public async Task WaitForActiveSilosAsync(CancellationToken cancellationToken = default)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        int active = 0;
        var running = RunningSilos;
        while (DateTime.UtcNow < deadline)
        {
            var exited = running.FirstOrDefault(s => s.Process.HasExited);
            if (exited is not null) throw new InvalidOperationException($"{exited.Process.Name} exited while the cluster formed{Environment.NewLine}{Output()}");
            Dictionary<SiloAddress, SiloStatus> hosts;
            try
            {
                hosts = await management.GetHosts(onlyActive: true);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The client's gateway may be a silo that was just killed: the next call goes through another.
                await Task.Delay(250, cancellationToken);
                continue;
            }

            var current = running.Select(s => hosts.Keys
                    .Where(a => a.Endpoint.Port == s.SiloPort && a.Generation > _generations.GetValueOrDefault(s.SiloPort, int.MinValue))
                    .OrderByDescending(a => a.Generation)
                    .FirstOrDefault())
                .ToList();
            active = current.Count(a => a is not null);
            if (active == running.Count)
            {
                // The incarnation seen now is the one a later restart must replace.
                foreach (var address in current) _generations[address!.Endpoint.Port] = address.Generation - 1;
                return;
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"{active} of {running.Count} silos active after {_options.StartTimeout.TotalSeconds} s{Environment.NewLine}{Output()}");
    }

    private SiloProcess Restart(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        int index = _silos.IndexOf(silo);
        if (index < 0) throw new ArgumentException($"{silo.Process.Name} is not a current silo of this cluster", nameof(silo));
        silo.Process.Dispose();
        _killed.Remove(silo);
        // Only an incarnation later than the one last seen active counts as the restarted silo.
        _generations[silo.SiloPort] = _generations.GetValueOrDefault(silo.SiloPort, int.MinValue) + 1;
        var restarted = StartSilo(index, silo.SiloPort, silo.GatewayPort, restarted: true);
        _silos[index] = restarted;
        return restarted;
    }

    /// <summary>Kills the silos, stops the client, kills Redis (and deletes a persistent Redis's data).</summary>
    public async ValueTask DisposeAsync()
    {
        // Processes first: a client stopping against a live cluster is quick, one against killed silos may wait.
        foreach (var silo in _silos) silo.Process.Dispose();
        if (_client is not null) await StopClientAsync(_client);
        _client = null;

        _redis?.Dispose();
        if (_redisDirectory is not null && Directory.Exists(_redisDirectory)) Directory.Delete(_redisDirectory, recursive: true);
    }

    private void StartSilos()
    {
        var ports = LoopbackPorts.Free(2 * _options.Silos);
        for (int i = 0; i < _options.Silos; i++) _silos.Add(StartSilo(i, ports[2 * i], ports[(2 * i) + 1], restarted: false));
    }

    private SiloProcess StartSilo(int i, int siloPort, int gatewayPort, bool restarted)
    {
        string silo = RepositoryPaths.SiloAssembly;
        var environment = new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = SiloHostingOptions.Redis,
            ["ConnectionStrings__redis"] = _redis!.ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = ServiceId,
            ["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Autograd__Device"] = "cpu",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in _options.Environment ?? new Dictionary<string, string>()) environment[key] = value;
        string? pin = _options.Pins?[i];
        string name = $"silo {i} (port {siloPort}{(pin is null ? "" : $", cpu {pin}")}{(restarted ? $", restarted {DateTime.UtcNow:HH:mm:ss.f}" : "")})";
        var process = pin is null
            ? ChildProcess.Start(name, "dotnet", [silo], environment)
            : ChildProcess.Start(name, "taskset", ["-c", pin, "dotnet", silo], environment);
        return new SiloProcess(process, siloPort, gatewayPort);
    }

    private async Task StartClientAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        _client = new HostBuilder()
            .UseOrleansClient(client => Configure(client, _options.ConfigureClient)
                .UseRedisClustering(_redis!.ConnectionString)
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = ServiceId;
                })
                // Silos restarted by a test come back as new gateways: learn of them within seconds, not Orleans' minute.
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
                // The silos may not have registered their gateways yet: retry until the deadline, unless every silo died.
                .UseConnectionRetryFilter(async (_, token) =>
                {
                    if (DateTime.UtcNow > deadline || _silos.All(s => s.Process.HasExited)) return false;
                    await Task.Delay(250, token);
                    return true;
                }))
            .Build();
        try
        {
            await _client.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the client could not connect to the cluster: {e.Message}{Environment.NewLine}{Output()}", e);
        }
    }

    private static IClientBuilder Configure(IClientBuilder client, Action<IClientBuilder>? configure)
    {
        configure?.Invoke(client);
        return client;
    }
}
