using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.MultiProcess;

/// <summary>
/// A real cluster: a private <c>redis-server</c> on a free loopback port as the membership table, <see cref="Silos"/>
/// silo processes (<c>dotnet Autograd.Cluster.Silo.dll</c> of this build's configuration, configured by environment
/// variables as a deployment would be) and an Orleans client. Everything it starts is killed on dispose. Without
/// <c>/usr/bin/redis-server</c> every test that uses it is skipped, visibly.
/// </summary>
public sealed partial class RedisSiloCluster : IAsyncLifetime
{
    public const int Silos = 3;
    private const string RedisServer = "/usr/bin/redis-server";
    private const string ServiceId = "autograd-tests";
    private static readonly TimeSpan RedisStartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ClusterFormTimeout = TimeSpan.FromSeconds(60);

    private readonly List<ChildProcess> _silos = [];
    private readonly Dictionary<int, int> _gatewayPorts = [];
    private readonly string _clusterId = $"test-{Guid.NewGuid():N}";
    private ChildProcess? _redis;
    private IHost? _client;
    private string? _skipReason;

    public IGrainFactory Grains => Client.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silo processes, by silo port.</summary>
    public IReadOnlyDictionary<int, ChildProcess> SilosByPort { get; private set; } = new Dictionary<int, ChildProcess>();

    private IHost Client => _client ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(RedisServer))
        {
            _skipReason = $"{RedisServer} is not installed (.ci/run installs the redis-server package)";
            return;
        }

        var ports = FreePorts(1 + (2 * Silos));
        string redis = $"127.0.0.1:{ports[0]}";
        _redis = ChildProcess.Start("redis-server", RedisServer, ["--port", ports[0].ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        try
        {
            await WaitForRedisAsync(ports[0]);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        string silo = SiloAssemblyPath();
        var byPort = new Dictionary<int, ChildProcess>();
        for (int i = 0; i < Silos; i++)
        {
            int siloPort = ports[1 + (2 * i)], gatewayPort = ports[2 + (2 * i)];
            var child = ChildProcess.Start($"silo {i} (port {siloPort})", "dotnet", [silo], new Dictionary<string, string>
            {
                ["Orleans__ClusteringProvider"] = SiloHostingOptions.Redis,
                ["ConnectionStrings__redis"] = redis,
                ["Orleans__ClusterId"] = _clusterId,
                ["Orleans__ServiceId"] = ServiceId,
                ["Orleans__SiloPort"] = siloPort.ToString(),
                ["Orleans__GatewayPort"] = gatewayPort.ToString(),
                ["Orleans__AdvertisedIP"] = "127.0.0.1",
                ["Autograd__Device"] = "cpu",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_ENVIRONMENT"] = "Production",
            });
            _silos.Add(child);
            byPort[siloPort] = child;
            _gatewayPorts[siloPort] = gatewayPort;
        }

        SilosByPort = byPort;
        try
        {
            await StartClientAsync(redis);
            await WaitForSilosAsync();
        }
        catch
        {
            // Leave no process behind when the cluster never formed, whether or not the runner disposes the fixture.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Skips the calling test, visibly, when the cluster could not be set up for lack of Redis.</summary>
    public void SkipUnlessAvailable()
    {
        if (_skipReason is not null) Assert.Skip(_skipReason);
    }

    /// <summary>The process of the silo at <paramref name="siloAddress"/> (as <c>SiloAddress.ToString()</c> writes it: <c>S127.0.0.1:port:generation</c>).</summary>
    public ChildProcess ProcessOf(string siloAddress)
    {
        var match = SiloAddressPattern().Match(siloAddress);
        if (!match.Success || !SilosByPort.TryGetValue(int.Parse(match.Groups[1].Value), out var process))
            throw new InvalidOperationException($"no silo process of this cluster has the address {siloAddress}");
        return process;
    }

    /// <summary>
    /// A second client (started; the caller disposes it) whose only gateway is the silo at <paramref name="siloAddress"/>:
    /// calls through it keep working while another silo dies, whereas the Redis-listed client may have picked the dead
    /// silo as its gateway and keeps it until membership declares the silo dead (tens of seconds with the defaults).
    /// </summary>
    public async Task<IHost> ConnectThroughAsync(string siloAddress)
    {
        var match = SiloAddressPattern().Match(siloAddress);
        if (!match.Success || !_gatewayPorts.TryGetValue(int.Parse(match.Groups[1].Value), out int gateway))
            throw new InvalidOperationException($"no silo process of this cluster has the address {siloAddress}");
        var client = new HostBuilder()
            .UseOrleansClient(c => c
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway))
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = _clusterId;
                    o.ServiceId = ServiceId;
                }))
            .Build();
        await client.StartAsync(TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Stops a client within a few seconds, whether or not its gateway still answers.</summary>
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

    /// <summary>Every process's output tail, for failure messages.</summary>
    public string Output() =>
        string.Join(Environment.NewLine, _silos.Select(s => s.Output()).Prepend(_redis?.Output() ?? ""));

    public async ValueTask DisposeAsync()
    {
        // Processes first: a client stopping against a live cluster is quick, one against killed silos may wait.
        foreach (var silo in _silos) silo.Dispose();
        if (_client is not null) await StopClientAsync(_client);
        _client = null;

        _redis?.Dispose();
    }

    private async Task StartClientAsync(string redis)
    {
        var deadline = DateTime.UtcNow + ClusterFormTimeout;
        _client = new HostBuilder()
            .UseOrleansClient(client => client
                .UseRedisClustering(redis)
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = _clusterId;
                    o.ServiceId = ServiceId;
                })
                // The silos may not have registered their gateways yet: retry until the cluster's deadline.
                .UseConnectionRetryFilter(async (_, token) =>
                {
                    if (DateTime.UtcNow > deadline || _silos.All(s => s.HasExited)) return false;
                    await Task.Delay(250, token);
                    return true;
                }))
            .Build();
        try
        {
            await _client.StartAsync(TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the client could not connect to the cluster: {e.Message}{Environment.NewLine}{Output()}", e);
        }
    }

    private async Task WaitForSilosAsync()
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + ClusterFormTimeout;
        int active = 0;
        while (DateTime.UtcNow < deadline)
        {
            var exited = _silos.FirstOrDefault(s => s.HasExited);
            if (exited is not null) throw new InvalidOperationException($"{exited.Name} exited while the cluster formed{Environment.NewLine}{Output()}");
            active = (await management.GetHosts(onlyActive: true)).Count;
            if (active == Silos) return;
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"{active} of {Silos} silos active after {ClusterFormTimeout.TotalSeconds} s{Environment.NewLine}{Output()}");
    }

    private async Task WaitForRedisAsync(int port)
    {
        var deadline = DateTime.UtcNow + RedisStartTimeout;
        while (true)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_redis!.HasExited)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"redis-server did not accept connections on port {port}{Environment.NewLine}{_redis!.Output()}", e);
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

    /// <summary>src/Silo's output in the configuration this test assembly was built in.</summary>
    private static string SiloAssemblyPath()
    {
        string configuration = typeof(RedisSiloCluster).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Autograd.Cluster.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no Autograd.Cluster.sln above {AppContext.BaseDirectory}");
        string path = Path.Combine(dir.FullName, "src", "Silo", "bin", configuration, "net10.0", "Autograd.Cluster.Silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build src/Silo in {configuration} first", path);
    }

    [GeneratedRegex(@"^S[^:]+:(\d+):")]
    private static partial Regex SiloAddressPattern();
}
