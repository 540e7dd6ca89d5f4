using System.Diagnostics;
using System.Text.RegularExpressions;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Testing;
using Orleans.Runtime.Messaging;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// A real cluster for one chaos test: a private <c>redis-server</c> that keeps its data on disk (so that it can be
/// killed and started again with membership, job records and checkpoints), <see cref="DefaultSilos"/> silo processes,
/// and a client whose calls the helpers retry while silos die. Everything it starts is killed on dispose.
/// </summary>
internal sealed partial class ChaosCluster : IAsyncDisposable
{
    public const int DefaultSilos = 3;

    /// <summary>How long a restarted cluster waits for its membership to settle before resuming jobs (<see cref="JobResumeOptions.SettleKey"/>).</summary>
    public static readonly TimeSpan ResumeSettle = TimeSpan.FromSeconds(3);

    private ChaosCluster(SiloProcessCluster cluster) => Cluster = cluster;

    public SiloProcessCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Grains;

    /// <summary>Starts the cluster, or skips the calling test, visibly, when redis-server is not installed.</summary>
    public static async Task<ChaosCluster> StartAsync(int silos = DefaultSilos)
    {
        if (!RedisServer.IsInstalled) Assert.Skip(RedisServer.NotInstalledReason);
        var cluster = await SiloProcessCluster.StartAsync(
            new SiloProcessClusterOptions
            {
                Silos = silos,
                ServiceId = "autograd-chaos",
                ClusterIdPrefix = "chaos",
                PersistentRedis = true,
                StartTimeout = TimeSpan.FromSeconds(90),
                Environment = new Dictionary<string, string>
                {
                    ["Autograd__Resume__SettleSeconds"] = ResumeSettle.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            TestContext.Current.CancellationToken);
        return new ChaosCluster(cluster);
    }

    /// <summary>The running silo at <paramref name="siloAddress"/> (<c>S127.0.0.1:port:generation</c>).</summary>
    public SiloProcess ProcessOf(string siloAddress)
    {
        var match = SiloAddressPattern().Match(siloAddress);
        int port = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
        return Cluster.RunningSilos.FirstOrDefault(s => s.SiloPort == port)
            ?? throw new InvalidOperationException($"no running silo of this cluster has the address {siloAddress}");
    }

    /// <summary>
    /// The job's status; a call that fails because a silo died (the client's gateway, the coordinator's silo before
    /// membership has declared it dead) is retried for up to <paramref name="limit"/>.
    /// </summary>
    public async Task<JobStatus> StatusAsync(string jobId, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        var patience = limit ?? TimeSpan.FromSeconds(120);
        TimeSpan? logged = null;
        while (true)
        {
            try
            {
                return await Grains.GetGrain<ITrainingJobGrain>(jobId).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(35), TestContext.Current.CancellationToken);
            }
            // OperationCanceledException too: Orleans cancels a call whose directory lookup or placement the dead silo cut short.
            catch (Exception e) when (e is OrleansException or ConnectionFailedException or OperationCanceledException or TimeoutException && !TestContext.Current.CancellationToken.IsCancellationRequested && clock.Elapsed < patience)
            {
                // One line every few seconds: enough to see what the client went through, not one per retry.
                if (logged is null || clock.Elapsed - logged > TimeSpan.FromSeconds(5))
                {
                    logged = clock.Elapsed;
                    TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.f} status of {jobId} failed, retrying: {e.GetType().Name}: {FirstLine(e.Message)}");
                }

                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Polls the job's status until <paramref name="done"/> holds or it finished; fails after <paramref name="limit"/>.</summary>
    public async Task<JobStatus> WaitAsync(string jobId, Func<JobStatus, bool> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(jobId, limit - clock.Elapsed > TimeSpan.Zero ? limit - clock.Elapsed : TimeSpan.Zero);
            if (done(status) || status.IsFinished) return status;
            if (clock.Elapsed > limit)
                throw new TimeoutException($"{what}: not reached within {limit.TotalSeconds} s; job at step {status.Step}/{status.TotalSteps}, {JobRunner.Describe(status)}{Environment.NewLine}{Output()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Submits a job under a new id and returns the id.</summary>
    public async Task<string> SubmitAsync(JobSpec spec)
    {
        string id = JobRunner.NewJobId();
        await Grains.GetGrain<ITrainingJobGrain>(id).SubmitAsync(spec);
        return id;
    }

    /// <summary>
    /// Waits until the job registry no longer lists any of <paramref name="ids"/> as active (a coordinator tells it
    /// after the job's status has turned final, once it has stored the final parameters and let its members go);
    /// answers the ids still active after 60 s.
    /// </summary>
    public async Task<string[]> StillActiveAsync(params string[] ids)
    {
        var registry = Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var active = (await registry.ActiveAsync()).Intersect(ids).ToArray();
            if (active.Length == 0 || clock.Elapsed > TimeSpan.FromSeconds(60)) return active;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public string Output() => Cluster.Output();

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    [GeneratedRegex(@"^S[^:]+:(\d+):")]
    private static partial Regex SiloAddressPattern();
}
