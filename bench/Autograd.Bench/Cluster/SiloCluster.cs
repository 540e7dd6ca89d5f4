using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Autograd.Bench.Cluster;

/// <summary>
/// A loopback cluster of separate silo processes, as tests/Silo.Tests' RedisSiloCluster builds it: a private
/// <c>redis-server</c> on a free port as the membership table, N processes of src/Silo's
/// <c>Autograd.Cluster.Silo.dll</c> (this build's configuration) configured by environment variables, and an Orleans
/// client. A silo can be pinned to CPUs (<c>taskset -c</c>). Everything it starts is killed on dispose.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private const string RedisServer = "/usr/bin/redis-server";
    private const string ServiceId = "autograd-bench";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ChildProcess> _processes = [];
    private readonly string _clusterId = $"bench-{Guid.NewGuid():N}";
    private IHost? _client;
    private string _redis = string.Empty;

    private SiloCluster()
    {
    }

    public IGrainFactory Grains => (_client ?? throw new InvalidOperationException("the cluster has not started")).Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Starts <paramref name="silos"/> silo processes; silo i runs under <c>taskset -c pins[i]</c> when
    /// <paramref name="pins"/> is given, with <paramref name="environment"/> added to its environment.
    /// </summary>
    public static async Task<SiloCluster> StartAsync(int silos, string[]? pins = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (silos <= 0) throw new ArgumentOutOfRangeException(nameof(silos), silos, "a cluster needs at least one silo");
        if (pins is not null && pins.Length != silos) throw new ArgumentException($"{pins.Length} CPU pins for {silos} silos", nameof(pins));
        if (!File.Exists(RedisServer)) throw new InvalidOperationException($"{RedisServer} is not installed (apt-get install redis-server)");

        var cluster = new SiloCluster();
        try
        {
            await cluster.StartProcessesAsync(silos, pins, environment);
            await cluster.StartClientAsync(silos);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every process's output tail, for failure messages.</summary>
    public string Output() => string.Join(Environment.NewLine, _processes.Select(p => p.Output()));

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception e) when (e is OperationCanceledException or OrleansException)
            {
                // The silos are gone already.
            }

            _client.Dispose();
            _client = null;
        }
    }

    private async Task StartProcessesAsync(int silos, string[]? pins, IReadOnlyDictionary<string, string>? environment)
    {
        var ports = FreePorts(1 + (2 * silos));
        var redis = ChildProcess.Start("redis-server", RedisServer, ["--port", ports[0].ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        _processes.Add(redis);
        await WaitForPortAsync(ports[0], redis);

        string silo = SiloAssemblyPath();
        for (int i = 0; i < silos; i++)
        {
            var env = new Dictionary<string, string>
            {
                ["Orleans__ClusteringProvider"] = "redis",
                ["ConnectionStrings__redis"] = $"127.0.0.1:{ports[0]}",
                ["Orleans__ClusterId"] = _clusterId,
                ["Orleans__ServiceId"] = ServiceId,
                ["Orleans__SiloPort"] = ports[1 + (2 * i)].ToString(),
                ["Orleans__GatewayPort"] = ports[2 + (2 * i)].ToString(),
                ["Orleans__AdvertisedIP"] = "127.0.0.1",
                ["Autograd__Device"] = "cpu",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_ENVIRONMENT"] = "Production",
            };
            foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env[key] = value;
            string name = $"silo {i}" + (pins is null ? string.Empty : $" (cpu {pins[i]})");
            var child = pins is null
                ? ChildProcess.Start(name, "dotnet", [silo], env)
                : ChildProcess.Start(name, "taskset", ["-c", pins[i], "dotnet", silo], env);
            _processes.Add(child);
        }

        _redis = $"127.0.0.1:{ports[0]}";
    }

    private async Task StartClientAsync(int silos)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        _client = new HostBuilder()
            .UseOrleansClient(client => client
                .UseRedisClustering(_redis)
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = _clusterId;
                    o.ServiceId = ServiceId;
                })
                .UseConnectionRetryFilter(async (_, token) =>
                {
                    if (DateTime.UtcNow > deadline || _processes.Any(p => p.HasExited)) return false;
                    await Task.Delay(250, token);
                    return true;
                }))
            .Build();
        await _client.StartAsync();

        var management = Grains.GetGrain<IManagementGrain>(0);
        int active = 0;
        while (DateTime.UtcNow < deadline)
        {
            var exited = _processes.FirstOrDefault(p => p.HasExited);
            if (exited is not null) throw new InvalidOperationException($"{exited.Name} exited while the cluster formed{Environment.NewLine}{Output()}");
            active = (await management.GetHosts(onlyActive: true)).Count;
            if (active == silos) return;
            await Task.Delay(250);
        }

        throw new TimeoutException($"{active} of {silos} silos active after {StartTimeout.TotalSeconds} s{Environment.NewLine}{Output()}");
    }

    private static async Task WaitForPortAsync(int port, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Distinct ports free right now (all bound at once, so none repeats).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var l in listeners) l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    /// <summary>src/Silo's output in the configuration this benchmark was built in (building the benchmark builds it).</summary>
    private static string SiloAssemblyPath()
    {
        string configuration = typeof(SiloCluster).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Autograd.Cluster.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no Autograd.Cluster.sln above {AppContext.BaseDirectory}");
        string path = Path.Combine(dir.FullName, "src", "Silo", "bin", configuration, "net10.0", "Autograd.Cluster.Silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build src/Silo in {configuration} first", path);
    }
}
