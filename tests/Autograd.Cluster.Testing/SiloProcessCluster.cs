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
    private RedisServer? _redis;
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

    /// <summary>The silos, in the order they were started.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

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
            cluster._redis = await RedisServer.StartAsync(cancellationToken);
            cluster.StartSilos();
            await cluster.StartClientAsync(cancellationToken);
            await cluster.WaitForSilosAsync(cancellationToken);
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

    /// <summary>Kills the silos, stops the client, kills Redis.</summary>
    public async ValueTask DisposeAsync()
    {
        // Processes first: a client stopping against a live cluster is quick, one against killed silos may wait.
        foreach (var silo in _silos) silo.Process.Dispose();
        if (_client is not null) await StopClientAsync(_client);
        _client = null;

        _redis?.Dispose();
    }

    private void StartSilos()
    {
        string silo = RepositoryPaths.SiloAssembly;
        var ports = LoopbackPorts.Free(2 * _options.Silos);
        for (int i = 0; i < _options.Silos; i++)
        {
            int siloPort = ports[2 * i], gatewayPort = ports[(2 * i) + 1];
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
            string name = $"silo {i} (port {siloPort}{(pin is null ? "" : $", cpu {pin}")})";
            var process = pin is null
                ? ChildProcess.Start(name, "dotnet", [silo], environment)
                : ChildProcess.Start(name, "taskset", ["-c", pin, "dotnet", silo], environment);
            _silos.Add(new SiloProcess(process, siloPort, gatewayPort));
        }
    }

    private async Task StartClientAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        _client = new HostBuilder()
            .UseOrleansClient(client => client
                .UseRedisClustering(_redis!.ConnectionString)
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = ServiceId;
                })
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

    private async Task WaitForSilosAsync(CancellationToken cancellationToken)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        int active = 0;
        while (DateTime.UtcNow < deadline)
        {
            var exited = _silos.FirstOrDefault(s => s.Process.HasExited);
            if (exited is not null) throw new InvalidOperationException($"{exited.Process.Name} exited while the cluster formed{Environment.NewLine}{Output()}");
            active = (await management.GetHosts(onlyActive: true)).Count;
            if (active == _options.Silos) return;
            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"{active} of {_options.Silos} silos active after {_options.StartTimeout.TotalSeconds} s{Environment.NewLine}{Output()}");
    }
}
