using System.Net;
using System.Security.Cryptography;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Contracts.Uploads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Autograd.Cluster.Client;

/// <summary>
/// The front door to a training cluster: submit jobs, find them again by id, list them. Connect with
/// <see cref="ConnectAsync(ClusterConnection, CancellationToken)"/> (gateways or Redis),
/// <see cref="ConnectAsync(IConfiguration, CancellationToken)"/> (Orleans' own client configuration, as .NET Aspire
/// injects it), or wrap a grain factory a host already has with <see cref="TrainingClient(IGrainFactory)"/>.
/// </summary>
public sealed class TrainingClient : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly IHost? _host;

    /// <summary>A client over a grain factory the caller owns (an Orleans client or silo in its own host).</summary>
    public TrainingClient(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    private TrainingClient(IHost host)
        : this(host.Services.GetRequiredService<IClusterClient>())
    {
        _host = host;
    }

    /// <summary>The grain factory this client calls through.</summary>
    internal IGrainFactory Grains => _grains;

    /// <summary>Connects to the cluster <paramref name="connection"/> names.</summary>
    /// <exception cref="ClusterConnectionException">No gateway answered, or the membership store could not be read.</exception>
    public static Task<TrainingClient> ConnectAsync(ClusterConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return StartAsync(
            builder => builder.UseOrleansClient(client =>
            {
                if (connection.RedisConnectionString is { } redis) client.UseRedisClustering(redis);
                else client.UseStaticClustering(connection.Gateways.Select(Resolve).ToArray());
                if (connection.Tls is { } tls) client.UseClusterTls(tls);
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = connection.ClusterId;
                    o.ServiceId = connection.ServiceId;
                });
            }),
            connection.ToString(),
            connection.ConnectTimeout,
            cancellationToken);
    }

    /// <summary>Connects to <c>host:port</c> gateways or <c>redis://host:port</c> (see <see cref="ClusterConnection.Parse"/>).</summary>
    /// <exception cref="FormatException">The endpoint is malformed.</exception>
    /// <exception cref="ClusterConnectionException">The cluster could not be reached.</exception>
    public static Task<TrainingClient> ConnectAsync(string cluster, CancellationToken cancellationToken = default) =>
        ConnectAsync(ClusterConnection.Parse(cluster), cancellationToken);

    /// <summary>
    /// Connects with Orleans' client configuration from <paramref name="configuration"/>: the
    /// <c>Orleans:Clustering:ProviderType</c> section and connection strings that .NET Aspire's <c>WithReference</c>
    /// injects (Orleans' <c>UseOrleansClient</c> reads them itself), with <c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c>;
    /// mutual TLS when <c>Autograd:Tls:CertificatePath</c>, <c>Autograd:Tls:KeyPath</c> and <c>Autograd:Tls:CaPath</c>
    /// are set (see <see cref="ClusterTls.FromConfiguration"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The TLS keys are incomplete or name unusable files.</exception>
    /// <exception cref="ClusterConnectionException">The cluster could not be reached.</exception>
    public static Task<TrainingClient> ConnectAsync(IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var tls = ClusterTls.FromConfiguration(configuration);
        return StartAsync(
            builder =>
            {
                builder.Configuration.AddConfiguration(configuration);
                // Orleans' Redis provider with a ServiceKey resolves a keyed IConnectionMultiplexer, which Aspire's Redis
                // client package would register; register it from the connection string Aspire's WithReference sets.
                if (string.Equals(configuration["Orleans:Clustering:ProviderType"], "Redis", StringComparison.OrdinalIgnoreCase)
                    && configuration["Orleans:Clustering:ServiceKey"] is { Length: > 0 } serviceKey
                    && configuration.GetConnectionString(serviceKey) is { Length: > 0 } redis)
                {
                    builder.Services.AddKeyedSingleton<IConnectionMultiplexer>(serviceKey, (_, _) => ConnectionMultiplexer.Connect(redis));
                }

                builder.UseOrleansClient(client =>
                {
                    if (tls is not null) client.UseClusterTls(tls);
                });
            },
            configuration["Orleans:Clustering:ProviderType"] is { } provider ? $"the {provider} cluster in the configuration" : "the cluster in the configuration",
            new ClusterConnection().ConnectTimeout,
            cancellationToken);
    }

    /// <summary>
    /// Submits <paramref name="spec"/> as a new job (id: <see cref="NewJobId"/>, 128 random bits in hex, unless <paramref name="jobId"/>
    /// is given) and registers it so that <see cref="ListJobsAsync"/> shows it.
    /// </summary>
    /// <exception cref="JobSpecException">The cluster refused the spec; <see cref="JobSpecException.Field"/> names the field at fault.</exception>
    public async Task<JobHandle> SubmitAsync(JobSpec spec, string? jobId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string id = jobId ?? NewJobId();
        var job = _grains.GetGrain<ITrainingJobGrain>(id);
        var status = await job.SubmitAsync(spec).WaitAsync(cancellationToken);
        var registration = new JobRegistration(id, status.Events.FirstOrDefault()?.Timestamp ?? DateTimeOffset.UtcNow, Describe(spec));
        await _grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).RegisterAsync(registration).WaitAsync(cancellationToken);
        return new JobHandle(id, job);
    }

    /// <summary>A handle to a job submitted before, by this client or another one (reconnecting after a restart).</summary>
    /// <exception cref="JobNotFoundException">The cluster has no job with this id.</exception>
    public async Task<JobHandle> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var job = _grains.GetGrain<ITrainingJobGrain>(jobId);
        var status = await job.GetStatusAsync().WaitAsync(cancellationToken);
        // An id the cluster never accepted activates a fresh coordinator in state New.
        if (status.State == JobState.New)
            throw new JobNotFoundException($"no job '{jobId}' on this cluster") { JobId = jobId };
        return new JobHandle(jobId, job);
    }

    /// <summary>Every registered job with its current state, oldest first.</summary>
    public async Task<IReadOnlyList<JobSummary>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        var registered = await _grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).ListAsync().WaitAsync(cancellationToken);
        var statuses = await Task.WhenAll(registered.Select(r => _grains.GetGrain<ITrainingJobGrain>(r.JobId).GetStatusAsync())).WaitAsync(cancellationToken);
        return registered.Zip(statuses, (r, s) => new JobSummary(
            r.JobId, r.SubmittedAt, r.Description, s.State, s.Step, s.TotalSteps, s.Epoch, s.Epochs, s.Loss, s.Accuracy, s.FailureReason)).ToArray();
    }

    /// <summary>
    /// Uploads a dataset to the cluster in message-sized chunks (through <see cref="IDatasetUploadGrain"/>) and returns
    /// the <see cref="DatasetSpec"/> that names it, for <see cref="JobSpec.Dataset"/>. Give <paramref name="labels"/>
    /// (class indices) or <paramref name="targets"/> (floats of <paramref name="targetShape"/> per sample); the test
    /// split, if any, in the same form.
    /// </summary>
    public async Task<DatasetSpec> UploadDatasetAsync(
        int[] sampleShape,
        float[] inputs,
        long[]? labels = null,
        int classes = 0,
        float[]? targets = null,
        int[]? targetShape = null,
        float[]? testInputs = null,
        long[]? testLabels = null,
        float[]? testTargets = null,
        CancellationToken cancellationToken = default)
    {
        string id = NewJobId();
        await _grains.GetGrain<IDatasetUploadGrain>(id)
            .UploadAsync(sampleShape, inputs, labels, classes, targets, targetShape, testInputs, testLabels, testTargets)
            .WaitAsync(cancellationToken);
        return DatasetSpec.FromUpload(id);
    }

    /// <summary>
    /// A new job id: 128 bits from the operating system's cryptographic random generator, as 32 lowercase hex digits. A
    /// job's status, weights and data are reached by its id alone, so an id must not be guessable: not a counter, not a
    /// time, and not a version-4 GUID, which fixes 6 of its 128 bits.
    /// </summary>
    public static string NewJobId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Disconnects (when this client made the connection).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }

    private static async Task<TrainingClient> StartAsync(Action<HostApplicationBuilder> configure, string target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        configure(builder);
        var host = builder.Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await host.StartAsync(deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new ClusterConnectionException($"cannot connect to {target}: no gateway answered within {timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterConnectionException($"cannot connect to {target}: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return new TrainingClient(host);
    }

    private static IPEndPoint Resolve(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint ip => ip,
        DnsEndPoint dns => new IPEndPoint(
            Dns.GetHostAddresses(dns.Host).OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
                ?? throw new ClusterConnectionException($"cannot resolve host '{dns.Host}'"),
            dns.Port),
        _ => throw new ArgumentException($"unsupported endpoint {endpoint}", nameof(endpoint)),
    };

    private static string Describe(JobSpec spec)
    {
        var layers = spec.Model?.Layers ?? [];
        string model = string.Join("-", layers.Where(l => l.Type is "Linear" or "Conv2d").Select(l => l.Type == "Linear" ? $"fc{Arg(l, "outFeatures")}" : $"conv{Arg(l, "outChannels")}"));
        return $"{spec.Dataset?.Kind}: {(model.Length > 0 ? model : $"{layers.Length} layers")}, {spec.Optimizer?.Kind}, batch {spec.BatchSize}, {spec.Epochs} epoch(s), {spec.Workers} worker(s)";
    }

    private static string Arg(LayerSpec layer, string name) => layer.Args.TryGetValue(name, out var value) ? value : "?";
}
