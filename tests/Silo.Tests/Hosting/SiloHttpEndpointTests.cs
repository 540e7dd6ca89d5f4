using System.Net;
using Autograd.Cluster.Testing;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

/// <summary>
/// The silo program (<c>dotnet Autograd.Cluster.Silo.dll</c>) serves <c>/health</c> (ready: an active cluster member)
/// and <c>/alive</c> on <c>Autograd:HttpPort</c>, with its own clustering keys and with the keys Aspire injects.
/// </summary>
public sealed class SiloHttpEndpointTests
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false, HttpStatusCode.NotFound)]
    [InlineData(true, HttpStatusCode.OK)]
    public async Task Silo_LocalhostClustering_ServesHealthyAliveAndTheDashboardWhenOn(bool dashboard, HttpStatusCode dashboardStatus)
    {
        var ports = LoopbackPorts.Free(3);
        using var silo = StartSilo(new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = "localhost",
            ["Orleans__SiloPort"] = ports[0].ToString(),
            ["Orleans__GatewayPort"] = ports[1].ToString(),
            ["Autograd__HttpPort"] = ports[2].ToString(),
            ["Autograd__OrleansDashboard"] = dashboard ? "true" : "false",
        });

        await AssertHealthyAsync(silo, ports[2]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}") };
        using var page = await http.GetAsync("/dashboard/", TestContext.Current.CancellationToken);
        Assert.Equal(dashboardStatus, page.StatusCode);
    }

    [Fact]
    public async Task Silo_AspireStyleRedisKeys_JoinsTheClusterAndServesHealthy()
    {
        if (!RedisServer.IsInstalled) Assert.Skip(RedisServer.NotInstalledReason);
        using var redis = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        var ports = LoopbackPorts.Free(3);
        // Exactly the variables Aspire.Hosting.Orleans sets for WithClustering(redis) and WithReference(cluster).
        using var silo = StartSilo(new Dictionary<string, string>
        {
            ["Orleans__Clustering__ProviderType"] = "Redis",
            ["Orleans__Clustering__ServiceKey"] = "redis",
            ["ConnectionStrings__redis"] = $"{redis.ConnectionString},abortConnect=false",
            ["Orleans__ClusterId"] = $"test-{Guid.NewGuid():N}",
            ["Orleans__ServiceId"] = "autograd-tests",
            ["Orleans__EnableDistributedTracing"] = "true",
            ["Orleans__Endpoints__SiloPort"] = ports[0].ToString(),
            ["Orleans__Endpoints__GatewayPort"] = ports[1].ToString(),
            ["Autograd__HttpPort"] = ports[2].ToString(),
        });

        await AssertHealthyAsync(silo, ports[2]);
    }

    private static async Task AssertHealthyAsync(ChildProcess silo, int httpPort)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + HealthyTimeout;
        string last = "no answer";
        while (true)
        {
            Assert.False(silo.HasExited, silo.Output());
            try
            {
                using var response = await http.GetAsync("/health", ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
                if (response.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health never answered 200 Healthy; last: {last}\n{silo.Output()}");
            await Task.Delay(250, ct);
        }

        Assert.Equal("200 Healthy", last);
        using var alive = await http.GetAsync("/alive", ct);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    private static ChildProcess StartSilo(Dictionary<string, string> environment)
    {
        environment["Autograd__Device"] = "cpu";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["Logging__LogLevel__Default"] = "Warning";
        return ChildProcess.Start("silo", "dotnet", [RepositoryPaths.SiloAssembly], environment);
    }
}
