using Autograd.Cluster.Deploy.Tests.Support;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Telemetry;
using Xunit;

namespace Autograd.Cluster.Deploy.Tests.Kubernetes;

/// <summary>
/// The manifests and the silo agree: every variable the silo's container gets is a key the silo (or a library in it)
/// reads, with a value the code accepts, and every key the silo reads is either set or listed here as deliberately
/// left to its default. Orleans' Voting sample ships variables its code never reads: this is the test against that.
/// </summary>
public sealed class SiloConfigurationTests
{
    /// <summary>Keys the silo reads that the manifests leave unset on purpose, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaulted = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [SiloHostingOptions.OrleansClusteringSectionKey] = "must stay empty: Orleans reads it as a provider section (the silo refuses a plain value)",
        [SiloHostingOptions.OrleansClusteringProviderTypeKey] = "Aspire's way to name clustering; conflicts with Orleans:ClusteringProvider, which the manifests use",
        [SiloHostingOptions.OrleansClusteringServiceKeyKey] = "Aspire only, with Orleans:Clustering:ProviderType",
        [SiloHostingOptions.DataPlaneKey] = "on by default: gradient chunks for other silos' shards go over the data plane port; false sends them by grain calls",
        [SiloHostingOptions.DataPlaneLocalSocketKey] = "on by default: a pod's silo is alone in its network namespace, so no peer ever reaches its abstract socket and chunks between pods go over TCP",
        [SiloHostingOptions.DataPlaneSharedMemoryMiBKey] = "32 by default, and never used in a pod: shared regions are offered over the local socket only, which no other pod reaches",
        [SiloHostingOptions.OrleansDashboardKey] = "off by default: the dashboard shows every grain and the NetworkPolicy opens no route to it",
        [DashboardAccess.TokenKey] = "unset: the dashboard is off; a silo with it on beyond loopback refuses to start without a token",
        [SiloConfiguration.CpuThreadsVariable] = "unset: the CPU backend then uses every CPU .NET sees, which in a pod is its CPU limit (requests equal limits)",
        [JobResumeOptions.SettleKey] = "5 s: after a restart, a silo waits until the number of active silos has held that long before resuming the active jobs",
        [JobResumeOptions.MaxWaitKey] = "60 s: the longest a restarted silo waits for the membership to settle before resuming jobs anyway",
        [StepRunOptions.TargetMillisecondsKey] = "200 ms: a worker runs as many steps per coordinator call as fit in it (cancel latency about that plus a step)",
        [StepRunOptions.MaxStepsKey] = "64: the most steps per coordinator call",
        [ObservabilityExtensions.OrleansDistributedTracingKey] = "unset: the silo then adds Orleans' activity propagation itself (setting it true would do the same through Orleans)",
    };

    public static TheoryData<string> Overlays => new(Manifests.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloEnvironment_IsAcceptedBySiloHostingOptions(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var environment = OverlayTests.ResolveSilo(manifests);

        var options = SiloHostingOptions.Read(SiloConfiguration.FromEnvironment(environment.Variables));

        Assert.Equal(SiloHostingOptions.Redis, options.Clustering);
        Assert.False(string.IsNullOrWhiteSpace(options.RedisConnectionString));
        Assert.Equal("autograd", options.ClusterId);
        Assert.Equal("autograd", options.ServiceId);
        Assert.Equal(PodEnvironment.PodFields["status.podIP"], options.AdvertisedIP.ToString());
        Assert.NotEqual(0, options.HttpPort);
        // A pod IP is not loopback: the silo listens on every interface, where the kubelet's probes arrive.
        Assert.Equal(System.Net.IPAddress.Any, options.HttpListenAddress);
        Assert.False(options.OrleansDashboard);
        Assert.True(options.DataPlaneEnabled);
        Assert.Equal(11112, options.DataPlanePort);

        var limits = TrainingLimits.Read(SiloConfiguration.FromEnvironment(environment.Variables));
        Assert.Equal(8, limits.MaxConcurrentJobs);
        Assert.True(limits.MaxParametersPerJob < TrainingLimits.DefaultMaxParametersPerJob, "a 4 GiB pod cannot hold a job of the default limit");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloEnvironment_DeviceIsOneTheEngineParses(string overlay)
    {
        var environment = OverlayTests.ResolveSilo(Manifests.Render(overlay));

        string device = environment.Variables[OverlayTests.ToVariable(ComputeDevice.ConfigurationKey)];
        var parsed = Autograd.Device.Parse(device);
        // Only the CPU can be opened here; a cuda value is checked for syntax (no GPU on these machines).
        if (parsed == Autograd.Device.Cpu) Assert.True(Autograd.Device.IsAvailable(parsed));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloEnvironment_SetsOnlyKeysTheCodeReads(string overlay)
    {
        var environment = OverlayTests.ResolveSilo(Manifests.Render(overlay));

        var ignored = environment.Variables.Keys
            .Where(name => !Reads(SiloConfiguration.KeyOf(name)) && !environment.Referenced.Contains(name))
            .ToList();

        // Helper variables (POD_NAME, POD_NAMESPACE) pass only because OTEL_RESOURCE_ATTRIBUTES references them.
        Assert.True(ignored.Count == 0, $"{overlay}: the silo reads none of {string.Join(", ", ignored)}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryKeyTheSiloReads_IsSetOrDeliberatelyDefaulted(string overlay)
    {
        var environment = OverlayTests.ResolveSilo(Manifests.Render(overlay));
        var set = environment.Variables.Keys.Select(SiloConfiguration.KeyOf).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var neither = SiloConfiguration.CodeKeys.Keys.Where(k => !set.Contains(k) && !Defaulted.ContainsKey(k)).ToList();
        var both = Defaulted.Keys.Where(set.Contains).ToList();

        Assert.True(neither.Count == 0, $"{overlay}: the silo reads {string.Join(", ", neither.Select(k => $"{k} ({SiloConfiguration.CodeKeys[k]})"))}, which the manifests neither set nor list as defaulted");
        Assert.True(both.Count == 0, $"{overlay}: {string.Join(", ", both)} is listed as defaulted but set");
        Assert.All(Defaulted.Keys, k => Assert.True(SiloConfiguration.CodeKeys.ContainsKey(k), $"{k} is listed as defaulted but no code reads it any more"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void OtlpExporter_IsConfigured_AndNamesThePod(string overlay)
    {
        var variables = OverlayTests.ResolveSilo(Manifests.Render(overlay)).Variables;

        Assert.True(Uri.TryCreate(variables["OTEL_EXPORTER_OTLP_ENDPOINT"], UriKind.Absolute, out var endpoint) && endpoint.Scheme == "http");
        Assert.Contains(variables["OTEL_EXPORTER_OTLP_PROTOCOL"], new[] { "grpc", "http/protobuf" });
        Assert.Equal("autograd-silo", variables["OTEL_SERVICE_NAME"]);
        var attributes = variables["OTEL_RESOURCE_ATTRIBUTES"].Split(',').Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
        Assert.Equal(PodEnvironment.PodFields["metadata.name"], attributes["k8s.pod.name"]);
        Assert.Equal(PodEnvironment.PodFields["metadata.namespace"], attributes["k8s.namespace.name"]);
    }

    private static bool Reads(string key) => SiloConfiguration.CodeKeys.ContainsKey(key) || SiloConfiguration.LibraryKeys.ContainsKey(key);
}
