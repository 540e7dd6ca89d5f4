using Aspire.Hosting.ApplicationModel;
using Autograd.Cluster.AppHost;
using Microsoft.Extensions.Configuration;

// The resource graph: a private redis-server, one Orleans cluster whose membership lives in it, N silo replicas that
// join that cluster and serve /health (ready once they are active members), a trainer that submits a demo job through
// the CLI once they are, and Aspire's dashboard receiving every process's OTLP logs, metrics (Microsoft.Orleans,
// Autograd.Cluster) and traces.
var builder = DistributedApplication.CreateBuilder(args);
var config = builder.Configuration;

int silos = config.GetValue(AppHostParameters.SilosKey, AppHostParameters.DefaultSilos);
if (silos < 1)
    throw new InvalidOperationException($"configuration {AppHostParameters.SilosKey}: {silos} silos; a cluster needs at least 1");

var redis = builder.AddRedisServer("redis");

var cluster = builder.AddOrleans("cluster")
    .WithClusterId(AppHostParameters.ClusterId)
    .WithServiceId(AppHostParameters.ClusterId)
    .WithClustering(new RedisClustering(redis));

var silo = builder.AddProject<Projects.Silo>("silo")
    .WithReference(cluster)
    .WaitFor(redis)
    .WithReplicas(silos)
    .WithEnvironment("Autograd__Device", config[AppHostParameters.DeviceKey] ?? "cpu")
    .WithEnvironment("Autograd__OrleansDashboard", config[AppHostParameters.OrleansDashboardKey] ?? "false")
    .WithHttpEndpoint(name: "http", env: "Autograd__HttpPort")
    .WithHttpHealthCheck("/health");

if (config.GetValue(AppHostParameters.TrainerKey, true))
{
    string repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
    string job = Path.Combine(repository, config[AppHostParameters.TrainerJobKey] ?? AppHostParameters.DefaultTrainerJob);
    string? epochs = config[AppHostParameters.TrainerEpochsKey];
    string model = Path.Combine(Path.GetTempPath(), "autograd-trainer", Path.GetFileNameWithoutExtension(job) + ".safetensors");
    builder.AddProject<Projects.Cli>("trainer")
        .WithArgs(context =>
        {
            context.Args.Add("train");
            context.Args.Add(job);
            context.Args.Add("--cluster");
            context.Args.Add(ReferenceExpression.Create($"redis:{redis.Resource}"));
            if (!string.IsNullOrWhiteSpace(epochs))
            {
                context.Args.Add("--epochs");
                context.Args.Add(epochs);
            }

            context.Args.Add("--out");
            context.Args.Add(model);
        })
        .WaitFor(silo);
}

builder.Build().Run();
