using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Autograd.Cluster.Client;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Xunit;

namespace Autograd.Cluster.AppHost.Tests;

/// <summary>
/// The AppHost as <c>dotnet run --project src/AppHost</c> starts it (through Aspire.Hosting.Testing, without the
/// dashboard): redis-server, two silo replicas that must form one cluster, then a job submitted through the client
/// library (over an Orleans client of the AppHost's Redis membership) that has to run on both silos.
/// </summary>
public sealed class AppHostClusterTests
{
    private const string RedisServer = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AppHost_TwoSilos_FormOneClusterAndTrainAJobOnBoth()
    {
        if (!File.Exists(RedisServer))
            Assert.Skip($"{RedisServer} is not installed (.ci/run installs the redis-server package)");
        var ct = TestContext.Current.CancellationToken;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout + JobTimeout);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            // The test submits its own job: no trainer, whose Fashion-MNIST job would compete for the two cores.
            [$"--{AppHostParameters.SilosKey}=2", $"--{AppHostParameters.TrainerKey}=false"], timeout.Token);
        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);

        var silos = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "silo");
        Assert.Equal(2, silos.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.DoesNotContain(builder.Resources, r => r.Name == "trainer");
        await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);

        string redis = await app.GetConnectionStringAsync("redis", timeout.Token)
            ?? throw new InvalidOperationException("the AppHost gives no connection string for redis");
        using var client = await ConnectAsync(redis, timeout.Token);
        var grains = client.Services.GetRequiredService<IClusterClient>();

        // Both replicas active in one membership table (each silo's /health reports the same from its side).
        var management = grains.GetGrain<IManagementGrain>(0);
        while ((await management.GetHosts(onlyActive: true, timeout.Token)).Count < 2)
            await Task.Delay(250, timeout.Token);
        Assert.Equal(2, (await management.GetHosts(onlyActive: true, timeout.Token)).Count);

        // Submitted and watched through the project's client library, as a user's program would.
        await using var training = new TrainingClient(grains);
        var job = await training.SubmitAsync(SmallJob(workers: 2), cancellationToken: timeout.Token);
        var status = await job.WaitAsync(cancellationToken: timeout.Token);

        Assert.True(status.State == JobState.Completed, $"{status.State}: {status.FailureReason}");
        Assert.Equal(status.TotalSteps, status.Step);
        Assert.Equal(2, status.Workers.Select(w => w.Silo).Distinct().Count());
    }

    /// <summary>A 6-8-3 MLP on 60 synthetic blobs, two workers: a few seconds of training.</summary>
    internal static JobSpec SmallJob(int workers) => new()
    {
        Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.Tanh(), LayerSpec.Linear(8, 3)),
        Dataset = DatasetSpec.Generated(new SyntheticDataSpec
        {
            Generator = SyntheticDataSpec.Blobs,
            Samples = 60,
            SampleShape = [6],
            Classes = 3,
            Noise = 0.5,
            Seed = 11,
        }),
        Optimizer = OptimizerSpec.SgdWith(0.1, momentum: 0.9),
        Loss = LossNames.CrossEntropy,
        BatchSize = 12,
        Epochs = 2,
        Workers = workers,
        Seed = 3,
        StepTimeout = TimeSpan.FromSeconds(60),
    };

    private static async Task<IHost> ConnectAsync(string redis, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis)
            .Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = AppHostParameters.ClusterId;
                o.ServiceId = AppHostParameters.ClusterId;
            }));
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }
}
