using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Adds what the training grains need to a silo.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// The engine device (<c>Autograd:Device</c>, checked and logged at startup), the silo's dataset cache, the
    /// placement that spreads a job's workers and shards over silos, the clock the coordinator times steps with, and
    /// the checkpoint storage (grain storage provider <see cref="CheckpointStore.ProviderName"/>): Redis, at the
    /// clustering's <c>ConnectionStrings:redis</c>, when <see cref="SiloHostingOptions.Clustering"/> is <c>redis</c>
    /// (checkpoints then survive any silo); otherwise this process's memory, shared by the silos it hosts (the
    /// in-process test cluster, the embedded local cluster), which survives the loss of any of them but not of the process.
    /// </summary>
    public static ISiloBuilder AddAutogradTraining(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ComputeDevice>();
        builder.Services.AddHostedService<ComputeDeviceLogger>();
        builder.Services.AddSingleton<DatasetProvider>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        // TLS off unless the host turned it on (UseClusterTls): other transports between silos ask this singleton.
        builder.Services.TryAddSingleton(TlsSettings.Disabled);
        builder.Services.AddPlacementDirector<SpreadPlacementStrategy, SpreadPlacementDirector>();
        // Read here, at silo build, so that a bad limit stops the silo at startup naming its key.
        builder.Services.TryAddSingleton(TrainingLimits.Read(builder.Configuration));
        builder.Services.TryAddSingleton(StepRunOptions.Read(builder.Configuration));
        builder.Services.AddAutogradJobServices();
        var hosting = SiloHostingOptions.Read(builder.Configuration);
        AddCheckpointStorage(builder, hosting);
        builder.Services.AddGradientDataPlane(hosting);
        // Orleans' default directory loses the entries a dead silo owned: the next call to a coordinator whose entry
        // was there starts a second activation while the first still drives the job, and the two form the same shard
        // generation over each other (seen in the SIGKILL tests). The distributed directory recovers those entries
        // from the surviving silos, so a grain keeps one activation across the loss of another silo.
#pragma warning disable ORLEANSEXP003 // experimental in Orleans 10; the alternative loses job state on a silo loss
        builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        return builder;
    }

    private static void AddCheckpointStorage(ISiloBuilder builder, SiloHostingOptions hosting)
    {
        // Under Aspire (Orleans' own clustering keys) the membership store's keyed connection holds the checkpoints too.
        string? redis = hosting.Clustering == SiloHostingOptions.Redis ? hosting.RedisConnectionString : hosting.KeyedRedisConnection?.ConnectionString;
        if (redis is { } connection)
        {
            builder.AddRedisGrainStorage(CheckpointStore.ProviderName, options => options.Configure<Serializer>((o, serializer) =>
            {
                o.ConfigurationOptions = ConfigurationOptions.Parse(connection);
                o.DeleteStateOnClear = true;
                // Orleans' binary format: float blocks stay raw bytes instead of JSON base64 strings.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
            // Jobs that were running when every silo died go on when the cluster is back (see ActiveJobResumer). Only
            // with durable storage: process memory dies with the process, and embedded clusters in one process share it
            // (one must not take over another's jobs).
            builder.Services.AddSingleton<JobResumeOptions>();
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ActiveJobResumer>();
        }
        else
        {
            builder.Services.AddKeyedSingleton<IGrainStorage>(
                CheckpointStore.ProviderName,
                (services, _) => new ProcessMemoryGrainStorage(services.GetRequiredService<Serializer>(), services.GetRequiredService<IOptions<ClusterOptions>>()));
        }

        builder.Services.AddSingleton<CheckpointStore>();
    }
}
