using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Xunit;

// GetEnvironmentVariableValuesAsync/GetArgumentValuesAsync are marked obsolete in favour of ExecutionConfigurationBuilder,
// which needs an execution context and a logger the testing builder does not hand out; they still evaluate the same callbacks.
#pragma warning disable CS0618

namespace Autograd.Cluster.AppHost.Tests;

/// <summary>
/// The AppHost's resource graph as built (nothing started): what each resource gets, in the publish form Aspire writes
/// into a manifest, where references stay expressions such as <c>{redis.connectionString}</c>.
/// </summary>
public sealed class AppHostModelTests
{
    [Fact]
    public async Task Defaults_TwoSiloReplicasOnRedisClusteringAndATrainer()
    {
        // The AppHost refuses to build its graph without the redis-server it would start.
        if (!File.Exists(RedisServerExtensions.DefaultCommand))
            Assert.Skip($"{RedisServerExtensions.DefaultCommand} is not installed (.ci/run installs the redis-server package)");
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(ct);

        var redis = Assert.IsType<RedisServerResource>(builder.Resources.Single(r => r.Name == "redis"));
        Assert.Equal(RedisServerExtensions.DefaultCommand, redis.Command);
        var silo = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "silo");
        Assert.Equal(AppHostParameters.DefaultSilos, silo.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);

        var env = await silo.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        // Exactly what Orleans' configuration-based provider registration reads (RegisterProvider "Redis", "Clustering").
        Assert.Equal(RedisClustering.ProviderType, env["Orleans__Clustering__ProviderType"]);
        Assert.Equal("redis", env["Orleans__Clustering__ServiceKey"]);
        Assert.Equal("{redis.connectionString}", env["ConnectionStrings__redis"]);
        Assert.Equal(AppHostParameters.ClusterId, env["Orleans__ClusterId"]);
        Assert.Equal(AppHostParameters.ClusterId, env["Orleans__ServiceId"]);
        Assert.Equal("true", env["Orleans__EnableDistributedTracing"]);
        Assert.Contains("Orleans__Endpoints__SiloPort", env.Keys);
        Assert.Contains("Orleans__Endpoints__GatewayPort", env.Keys);
        Assert.Contains("Autograd__HttpPort", env.Keys);
        Assert.Equal("cpu", env["Autograd__Device"]);
        Assert.Equal("false", env["Autograd__OrleansDashboard"]);

        var trainer = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "trainer");
        var args = await trainer.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Equal("train", args[0]);
        Assert.EndsWith(Path.Combine("examples", "fashion-mnist-mlp.json"), args[1]);
        Assert.Equal(["--cluster", "redis:{redis.connectionString}"], args[2..4]);
    }

    [Fact]
    public async Task SilosParameter_Zero_IsRefusedNamingTheKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([$"--{AppHostParameters.SilosKey}=0"], ct));
        Assert.Contains(AppHostParameters.SilosKey, Flatten(e));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} | {Flatten(e.InnerException)}";
}
