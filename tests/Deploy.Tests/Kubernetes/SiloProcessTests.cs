using System.Net;
using Autograd.Cluster.Client;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Deploy.Tests.Support;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;
using Xunit;
using Defaults = Autograd.Cluster.ServiceDefaults.Extensions;

namespace Autograd.Cluster.Deploy.Tests.Kubernetes;

/// <summary>
/// Silo processes (<c>dotnet Autograd.Cluster.Silo.dll</c>, as the image runs it) started with exactly the environment
/// the cpu overlay gives its container and nothing else: they form one cluster in a private <c>redis-server</c>, answer
/// their probes, train a job with checkpoints in that Redis, export telemetry naming their pod, and a silo stopped by
/// SIGTERM leaves cleanly.
/// </summary>
public sealed class SiloProcessTests
{
    private const int Pods = 2;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The only variables the test changes, each for a reason a pod does not have: loopback instead of a pod IP, a
    /// private Redis, free ports, because other processes on a shared test host may hold 11111, 30000 or 8080, and
    /// the TLS files, which a pod gets from its secret and the test makes with an authority of its own.
    /// </summary>
    private static readonly string[] Substituted =
    [
        "ConnectionStrings__redis", "Orleans__SiloPort", "Orleans__GatewayPort", "Autograd__HttpPort", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "Autograd__Tls__CertificatePath", "Autograd__Tls__KeyPath", "Autograd__Tls__CaPath", "Autograd__DataPlanePort",
    ];

    [Fact]
    public async Task Silos_WithTheManifestEnvironment_FormOneClusterTrainAndLeaveOnSigterm()
    {
        if (!RedisServer.IsInstalled) Assert.Skip(RedisServer.NotInstalledReason);
        var cancel = TestContext.Current.CancellationToken;
        var manifests = Manifests.Render("overlays/cpu");
        var ports = LoopbackPorts.Free(1 + (Pods * 3));
        int otlpPort = ports[0];

        using var otlp = new OtlpReceiver(otlpPort);
        // The secrets autograd-silo-tls and autograd-client-tls, as deploy/README.md has an operator make them.
        using var authority = TestCertificateAuthority.Create("autograd-ca");
        var siloTls = authority.Issue("autograd-silo");
        var clientTls = authority.Issue("autograd-client", server: false);
        using var redis = await RedisServer.StartAsync(cancel);
        int redisPort = redis.Port;

        // Two "pods" of the Deployment: the same rendered environment, each with its own downward-API values and ports.
        var pods = new List<(string Name, int SiloPort, int HttpPort, ChildProcess Process, HttpClient Http)>();
        SiloHostingOptions? options = null;
        try
        {
            for (int i = 0; i < Pods; i++)
            {
                string name = $"autograd-silo-test-{i}-{Guid.NewGuid():N}";
                var environment = PodEnvironment.Resolve(manifests, manifests.SiloContainer, new Dictionary<string, string>
                {
                    ["status.podIP"] = "127.0.0.1",
                    ["metadata.name"] = name,
                    ["metadata.namespace"] = "autograd",
                });
                Assert.All(Substituted, v => Assert.True(environment.Variables.ContainsKey(v), $"the manifests no longer set {v}"));
                options = SiloHostingOptions.Read(SiloConfiguration.FromEnvironment(environment.Variables));
                int siloPort = ports[1 + (3 * i)], gatewayPort = ports[2 + (3 * i)], httpPort = ports[3 + (3 * i)];
                var variables = new Dictionary<string, string>(environment.Variables)
                {
                    ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort}",
                    ["Orleans__SiloPort"] = siloPort.ToString(),
                    ["Orleans__GatewayPort"] = gatewayPort.ToString(),
                    ["Autograd__HttpPort"] = httpPort.ToString(),
                    ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint,
                };
                foreach (var (variable, value) in siloTls.SiloEnvironment()) variables[variable] = value;
                // Two "pods" share this host: the data plane takes a free port instead of the manifests' fixed one.
                variables["Autograd__DataPlanePort"] = "0";
                var process = ChildProcess.Start(name, "dotnet", [RepositoryPaths.SiloAssembly], variables, cleanEnvironment: true);
                pods.Add((name, siloPort, httpPort, process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) }));
            }

            // Startup and liveness: /alive answers; readiness: /health answers 200 once the silo is an active member.
            foreach (var pod in pods)
            {
                await WaitForStatusAsync(pod.Http, Defaults.AlivePath, pod.Process, cancel);
                await WaitForStatusAsync(pod.Http, Defaults.HealthPath, pod.Process, cancel);
            }

            // A client with the manifests' ids, the same Redis and a client certificate sees both silos, each at its advertised address.
            var trust = TlsSettings.FromPemFiles(siloTls.CertificatePath, siloTls.KeyPath, siloTls.CaPath);
            using var clientCertificate = ClusterTls.FromPemFiles(clientTls.CertificatePath, clientTls.KeyPath, clientTls.CaPath).Certificate;
            using var client = new HostBuilder()
                .UseOrleansClient(c => c
                    .UseTls(clientCertificate, tls => tls.RemoteCertificateValidation = (certificate, chain, _) => trust.IsTrusted(certificate, chain))
                    .UseRedisClustering($"127.0.0.1:{redisPort}")
                    .Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = options!.ClusterId;
                        o.ServiceId = options.ServiceId;
                    }))
                .Build();
            await client.StartAsync(cancel);
            var members = (await ActiveSilosAsync(client)).Keys.Select(s => s.Endpoint).OrderBy(e => e.Port).ToList();
            Assert.Equal(pods.Select(p => new IPEndPoint(IPAddress.Loopback, p.SiloPort)).OrderBy(e => e.Port), members);

            // A job trains across both silos and checkpoints into the manifests' Redis, as the submit Job's CLI would
            // start it (here through the library, connecting with the manifests' ids).
            var job = await TrainAsync(redisPort, options!, ClusterTls.FromPemFiles(clientTls.CertificatePath, clientTls.KeyPath, clientTls.CaPath), cancel);
            Assert.Equal(JobState.Completed, job.State);
            Assert.Equal(Pods, job.Workers.Select(w => w.Silo).Distinct().Count());
            Assert.NotNull(job.LastCheckpointStep);
            await using (var redisClient = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}"))
            {
                var keys = redisClient.GetServer($"127.0.0.1:{redisPort}").Keys(pattern: "*").Select(k => k.ToString()).ToList();
                Assert.Contains(keys, k => k.Contains(job.JobId, StringComparison.Ordinal));
            }

            // Telemetry reaches the collector the manifests name, tagged with each pod's name (from the downward API).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!pods.All(p => otlp.Received("/v1/logs", p.Name)) && DateTime.UtcNow < deadline)
                await Task.Delay(250, cancel);
            Assert.All(pods, p => Assert.True(otlp.Received("/v1/logs", p.Name), $"no OTLP log export named {p.Name} (exports so far: {otlp.Paths()}){Environment.NewLine}{p.Process.Output()}"));
            Assert.True(otlp.Received("/v1/logs", "autograd-silo"), "the OTLP exports do not carry OTEL_SERVICE_NAME");

            // SIGTERM, as the kubelet stops a pod in a rolling upgrade: the host stops by itself within the pod's grace
            // period, and leaves the membership table rather than waiting to be declared dead.
            var stopped = pods[0];
            stopped.Process.Terminate();
            long grace = manifests.Silo.Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30;
            int? exit = await stopped.Process.WaitForExitAsync(TimeSpan.FromSeconds(grace));
            Assert.True(exit == 0, $"the silo did not exit cleanly on SIGTERM within {grace} s (exit {exit?.ToString() ?? "none"}){Environment.NewLine}{stopped.Process.Output()}");
            // The survivor learns of it by gossip: allow it a moment (a dead, not departed, silo would take a minute).
            var expected = new IPEndPoint(IPAddress.Loopback, pods[1].SiloPort);
            var membershipDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            var remaining = (await ActiveSilosAsync(client)).Keys.Select(s => s.Endpoint).ToList();
            while (remaining.Count != 1 && DateTime.UtcNow < membershipDeadline)
            {
                await Task.Delay(250, cancel);
                remaining = (await ActiveSilosAsync(client)).Keys.Select(s => s.Endpoint).ToList();
            }

            Assert.Equal([expected], remaining);
            await client.StopAsync(cancel);
        }
        finally
        {
            foreach (var pod in pods)
            {
                pod.Process.Dispose();
                pod.Http.Dispose();
            }
        }
    }

    private static async Task<JobStatus> TrainAsync(int redisPort, SiloHostingOptions silo, ClusterTls tls, CancellationToken cancel)
    {
        var connection = ClusterConnection.ThroughRedis($"127.0.0.1:{redisPort}") with { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId, Tls = tls };
        await using var client = await TrainingClient.ConnectAsync(connection, cancel);
        var spec = JobJson.Load(Path.Combine(Repository.Root, "examples", "regression-5-3-1.json")) with { Workers = Pods, Epochs = 1 };
        var job = await client.SubmitAsync(spec, cancellationToken: cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(JobTimeout);
        return await job.WaitAsync(cancellationToken: timeout.Token);
    }

    private static Task<Dictionary<SiloAddress, SiloStatus>> ActiveSilosAsync(IHost client) =>
        client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

    private static async Task WaitForStatusAsync(HttpClient http, string path, ChildProcess silo, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (silo.HasExited) throw new InvalidOperationException($"the silo exited before {path} answered{Environment.NewLine}{silo.Output()}");
            try
            {
                using var response = await http.GetAsync(path, cancel);
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
            {
                last = "timed out";
            }

            await Task.Delay(250, cancel);
        }

        throw new TimeoutException($"{path} did not answer 200 within {StartTimeout.TotalSeconds} s (last: {last}){Environment.NewLine}{silo.Output()}");
    }
}
