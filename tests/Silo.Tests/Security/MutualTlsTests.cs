using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Security;

/// <summary>
/// Mutual TLS between real silo processes and their clients: only holders of a certificate from the cluster's
/// authority get in, as a client or as a silo. Each refusal is checked against the same cluster, ids and gateway as
/// the client that gets in, so TLS is the only difference.
/// </summary>
public sealed class MutualTlsTests(TlsSiloCluster cluster) : IClassFixture<TlsSiloCluster>
{
    // How long a refused client may take to fail; it normally fails at its first handshake, in well under a second.
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(60);

    // How long a silo that cannot join is watched: it gives up (exits, or is voted dead) or is still not active by then.
    private static readonly TimeSpan JoinWatch = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Client_WithCertificateFromTheClusterAuthority_ConnectsAndTrainsAJob()
    {
        cluster.SkipUnlessAvailable();
        using var client = cluster.NewClient(c => cluster.UseTls(c, TlsSiloCluster.LoadCertificate(cluster.ClientFiles)));
        await client.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var status = await JobRunner.RunAsync(grains, Specs.Mlp(workers: TlsSiloCluster.Silos), TimeSpan.FromMinutes(2));

            Assert.True(status.State == JobState.Completed, $"{JobRunner.Describe(status)}{Environment.NewLine}{cluster.Output()}");
            // Both silos took part, so silo-to-silo traffic crossed TLS too.
            Assert.Equal(TlsSiloCluster.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
        }
        finally
        {
            await SiloProcessCluster.StopClientAsync(client);
        }
    }

    [Fact]
    public async Task Client_WithoutTls_CannotConnect()
    {
        cluster.SkipUnlessAvailable();

        var refusals = await RefusedAsync(_ => { });

        Assert.NotEmpty(refusals);
    }

    [Fact]
    public async Task Client_WithTlsButNoCertificate_CannotConnect()
    {
        cluster.SkipUnlessAvailable();

        var refusals = await RefusedAsync(c => cluster.UseTls(c, certificate: null));

        Assert.NotEmpty(refusals);
    }

    [Fact]
    public async Task Client_WithCertificateFromAnotherAuthority_CannotConnect()
    {
        cluster.SkipUnlessAvailable();
        var stranger = TlsSiloCluster.LoadCertificate(cluster.Stranger.Issue("client", server: false));

        var refusals = await RefusedAsync(c => cluster.UseTls(c, stranger));

        Assert.NotEmpty(refusals);
    }

    [Fact]
    public async Task Silo_WithoutCertificate_CannotJoin()
    {
        cluster.SkipUnlessAvailable();

        await AssertCannotJoinAsync("plain silo", cluster.SiloEnvironment(tls: null));
    }

    [Fact]
    public async Task Silo_WithCertificateFromAnotherAuthority_CannotJoin()
    {
        cluster.SkipUnlessAvailable();

        await AssertCannotJoinAsync("stranger silo", cluster.SiloEnvironment(cluster.Stranger.Issue("silo")));
    }

    // Starts a client and waits for its first connection attempt to fail (the gateway closed the connection in the TLS
    // handshake); fails the test if the client connects instead, or if no attempt failed within RefusalBound.
    private async Task<IReadOnlyList<string>> RefusedAsync(Action<IClientBuilder> configure)
    {
        var log = new ConnectionAttemptLog();
        using var client = cluster.NewClient(configure, log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var start = client.StartAsync(stop.Token);
        var first = await Task.WhenAny(start, log.FirstFailure, Task.Delay(RefusalBound, TestContext.Current.CancellationToken));
        // Orleans' client retries a failed gateway for as long as it is let: stop it once the refusal is seen.
        await stop.CancelAsync();
        try
        {
            await start;
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or InvalidOperationException)
        {
            // Refused, as expected; the log says how.
        }

        Assert.False(start.IsCompletedSuccessfully, $"the client connected{Environment.NewLine}{cluster.Output()}");
        Assert.True(first == log.FirstFailure || log.Failures.Count > 0, $"no connection attempt failed within {RefusalBound.TotalSeconds} s");
        return log.Failures;
    }

    private async Task AssertCannotJoinAsync(string name, Dictionary<string, string> environment)
    {
        var cancel = TestContext.Current.CancellationToken;
        int siloPort = int.Parse(environment["Orleans__SiloPort"]);
        var management = cluster.Cluster.Grains.GetGrain<IManagementGrain>(0);
        using var intruder = ChildProcess.Start(name, "dotnet", [RepositoryPaths.SiloAssembly], environment);
        var seen = new List<SiloStatus>();
        var deadline = DateTime.UtcNow + JoinWatch;
        bool gaveUp = false;
        while (DateTime.UtcNow < deadline)
        {
            var hosts = await management.GetHosts(onlyActive: false);
            var status = hosts.Where(h => h.Key.Endpoint.Port == siloPort).Select(h => h.Value).DefaultIfEmpty(SiloStatus.None).Last();
            if (seen.Count == 0 || seen[^1] != status) seen.Add(status);
            Assert.True(status != SiloStatus.Active, $"{name} became an active member ({string.Join(" -> ", seen)}){Environment.NewLine}{intruder.Output()}");
            if (intruder.HasExited || status == SiloStatus.Dead)
            {
                gaveUp = true;
                break;
            }

            await Task.Delay(500, cancel);
        }

        var active = await management.GetHosts(onlyActive: true);
        Assert.Equal(TlsSiloCluster.Silos, active.Count);
        Assert.DoesNotContain(active.Keys, s => s.Endpoint.Port == siloPort);
        string story = $"{name}: membership {string.Join(" -> ", seen)}; {(intruder.HasExited ? "exited" : gaveUp ? "declared dead" : "still running")}{Environment.NewLine}{intruder.Output()}";
        TestContext.Current.TestOutputHelper?.WriteLine(story);
        Assert.True(gaveUp, $"{name} neither exited nor was declared dead within {JoinWatch.TotalMinutes} min: {story}");
    }
}
