using Autograd.Cluster.Deploy.Tests.Support;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;
using Defaults = Autograd.Cluster.ServiceDefaults.Extensions;

namespace Autograd.Cluster.Deploy.Tests.Kubernetes;

/// <summary>Every overlay renders, parses into the Kubernetes schema's typed objects, and follows Orleans' Kubernetes guidance.</summary>
public sealed class OverlayTests
{
    public static TheoryData<string> Overlays => new(Manifests.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Render_EveryObject_HasKindNameAndNamespace(string overlay)
    {
        var manifests = Manifests.Render(overlay);

        Assert.NotEmpty(manifests.Objects);
        foreach (var o in manifests.Objects)
        {
            Assert.False(string.IsNullOrEmpty(o.ApiVersion), $"{overlay}: an object without apiVersion");
            Assert.False(string.IsNullOrEmpty(o.Kind), $"{overlay}: an object without kind");
            Assert.False(string.IsNullOrEmpty(o.Metadata?.Name), $"{overlay}: a {o.Kind} without a name");
            if (o is not V1Namespace) Assert.True(o.Metadata!.NamespaceProperty == "autograd", $"{overlay}: {o.Kind} {o.Metadata.Name} is not in namespace autograd");
            Assert.Equal("autograd-cluster", o.Metadata!.Labels?["app.kubernetes.io/part-of"]);
        }

        // Workloads: the selector selects the pod template it owns.
        foreach (var (name, selector, template) in manifests.All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Selector, d.Spec.Template))
                     .Concat(manifests.All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Selector, s.Spec.Template))))
        {
            Assert.NotEmpty(selector.MatchLabels);
            foreach (var (key, value) in selector.MatchLabels)
                Assert.True(template.Metadata.Labels.TryGetValue(key, out var v) && v == value, $"{overlay}: {name}'s selector {key}={value} does not match its pods");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_PortsAndProbes_MatchWhatTheSiloServes(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var container = manifests.SiloContainer;
        var options = SiloHostingOptions.Read(SiloConfiguration.FromEnvironment(ResolveSilo(manifests).Variables));

        int Port(string name) => container.Ports.Single(p => p.Name == name).ContainerPort;
        Assert.Equal(options.SiloPort, Port("silo"));
        Assert.Equal(options.GatewayPort, Port("gateway"));
        Assert.Equal(options.HttpPort, Port("http"));
        Assert.Equal(11111, options.SiloPort);
        Assert.Equal(30000, options.GatewayPort);

        // Readiness means "joined the cluster" (/health runs the membership check); startup and liveness only "answers".
        AssertHttpProbe(container.ReadinessProbe, Defaults.HealthPath, overlay);
        AssertHttpProbe(container.StartupProbe, Defaults.AlivePath, overlay);
        AssertHttpProbe(container.LivenessProbe, Defaults.AlivePath, overlay);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_AdvertisesThePodIP_NeverAServiceAddress(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var environment = ResolveSilo(manifests);

        string variable = ToVariable(SiloHostingOptions.AdvertisedIPKey);
        Assert.True(environment.FieldRefs.TryGetValue(variable, out var field), $"{overlay}: {variable} does not come from the downward API");
        Assert.Equal("status.podIP", field);
        var options = SiloHostingOptions.Read(SiloConfiguration.FromEnvironment(environment.Variables));
        Assert.Equal(PodEnvironment.PodFields["status.podIP"], options.AdvertisedIP.ToString());
        // Orleans needs one address per silo: the Deployment must not sit behind a Service for silo traffic.
        Assert.DoesNotContain(manifests.All<V1Service>(), s => s.Spec.Ports.Any(p => p.Port == options.SiloPort));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_ShutsDownWithinTheTerminationGracePeriod(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var configuration = SiloConfiguration.FromEnvironment(ResolveSilo(manifests).Variables);

        var timeout = HostShutdownTimeout(configuration);
        long grace = manifests.Silo.Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30;
        Assert.True(timeout > TimeSpan.FromSeconds(60), $"{overlay}: the host's shutdown timeout {timeout} leaves no time to finish a step");
        Assert.True(timeout < TimeSpan.FromSeconds(grace), $"{overlay}: the host may take {timeout} to stop but Kubernetes kills it after {grace} s");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_RunsLockedDown(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var pod = manifests.Silo.Spec.Template.Spec;
        var container = manifests.SiloContainer;

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
        // The read-only root needs a writable /tmp (.NET's diagnostics socket, temporary files): an emptyDir.
        var tmp = container.VolumeMounts.Single(m => m.MountPath == "/tmp");
        Assert.NotNull(pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir);
        Assert.All(container.VolumeMounts.Where(m => m.MountPath != "/tmp"), m => Assert.True(m.ReadOnlyProperty, $"{m.MountPath} is writable"));
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.NotNull(container.Resources.Requests);
        Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Requests.ContainsKey("memory"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Render_HasNoKubernetesApiAccess_BecauseTheSiloDoesNotUseOrleansKubernetesHosting(string overlay)
    {
        var manifests = Manifests.Render(overlay);

        Assert.DoesNotContain(manifests.Objects, o => o.Kind is "ServiceAccount" or "Role" or "RoleBinding" or "ClusterRole" or "ClusterRoleBinding");
        // The premise: no Orleans Kubernetes hosting in the silo (it would need a ServiceAccount and a Role to list pods).
        Assert.DoesNotContain(typeof(SiloHostingOptions).Assembly.GetReferencedAssemblies(), a => a.Name!.Contains("Kubernetes", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void GatewayServiceAndDisruptionBudget_SelectTheSilos(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var podLabels = manifests.Silo.Spec.Template.Metadata.Labels;

        var gateway = manifests.Single<V1Service>("autograd-gateway");
        Assert.All(gateway.Spec.Selector, l => Assert.Equal(l.Value, podLabels[l.Key]));
        var port = Assert.Single(gateway.Spec.Ports);
        Assert.Equal("gateway", port.TargetPort.Value);
        Assert.Equal(30000, port.Port);

        var budget = manifests.Single<V1PodDisruptionBudget>("autograd-silo");
        Assert.All(budget.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.Equal(0, int.Parse(manifests.Silo.Spec.Strategy.RollingUpdate.MaxUnavailable.Value));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NetworkPolicy_AdmitsSilosOnBothPorts_AndClientsOnlyOnTheGateway(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var podLabels = manifests.Silo.Spec.Template.Metadata.Labels;
        var policy = manifests.Single<V1NetworkPolicy>("autograd-silo");

        Assert.All(policy.Spec.PodSelector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        var containerPorts = manifests.SiloContainer.Ports.Select(p => p.ContainerPort).ToHashSet();
        var fromSilos = policy.Spec.Ingress.Single(r => r.FromProperty.All(p => Selects(p.PodSelector, podLabels)));
        Assert.Equal([11111, 11112, 30000], fromSilos.Ports.Select(p => int.Parse(p.Port.Value)).Order());
        var fromClients = policy.Spec.Ingress.Single(r => r != fromSilos);
        Assert.All(fromClients.FromProperty, p => Assert.False(Selects(p.PodSelector, podLabels), "the client rule must not be the silo rule"));
        Assert.Equal("true", Assert.Single(fromClients.FromProperty).PodSelector.MatchLabels["autograd.cluster/client"]);
        Assert.Equal([30000], fromClients.Ports.Select(p => int.Parse(p.Port.Value)));
        Assert.All(policy.Spec.Ingress.SelectMany(r => r.Ports), p => Assert.Contains(int.Parse(p.Port.Value), containerPorts));
        // Every rule names its peers: no rule admits the whole namespace or the world.
        Assert.All(policy.Spec.Ingress, r => Assert.NotEmpty(r.FromProperty));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Datasets_AreReadFromTheSharedReadOnlyVolumeOnly(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var variables = ResolveSilo(manifests).Variables;
        var mount = manifests.SiloContainer.VolumeMounts.Single(m => m.Name == "datasets");
        var volume = manifests.Silo.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name);

        var roots = DatasetRoots.Read(SiloConfiguration.FromEnvironment(variables));

        Assert.True(mount.ReadOnlyProperty);
        Assert.Equal([mount.MountPath.TrimEnd('/') + "/"], roots.Roots);
        Assert.StartsWith(roots.Roots[0], variables[Autograd.Data.FashionMnistFiles.DirectoryEnvironmentVariable] + "/", StringComparison.Ordinal);
        var claim = manifests.Single<V1PersistentVolumeClaim>(volume.PersistentVolumeClaim.ClaimName);
        // Silos on several nodes mount it at once.
        Assert.Contains(claim.Spec.AccessModes, m => m is "ReadWriteMany" or "ReadOnlyMany");
    }

    [Fact]
    public void GpuOverlay_AsksForAGpuAndTrainsOnCuda()
    {
        var manifests = Manifests.Render("overlays/gpu");
        var container = manifests.SiloContainer;
        var pod = manifests.Silo.Spec.Template.Spec;

        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule");
        Assert.NotEmpty(pod.NodeSelector);
        var variables = ResolveSilo(manifests).Variables;
        Assert.Equal("cuda", variables[ToVariable(ComputeDevice.ConfigurationKey)]);
        Assert.Contains("silo-gpu", container.Image, StringComparison.Ordinal);
        // One worker slot per GPU the pod gets.
        Assert.Equal(container.Resources.Limits["nvidia.com/gpu"].ToString(), variables[ToVariable(SiloSlots.ConfigurationKey)]);
    }

    [Fact]
    public void CpuOverlay_AsksForNoGpuAndTrainsOnTheCpu()
    {
        var manifests = Manifests.Render("overlays/cpu");

        Assert.DoesNotContain("nvidia.com/gpu", manifests.SiloContainer.Resources.Limits?.Keys ?? []);
        var configuration = SiloConfiguration.FromEnvironment(ResolveSilo(manifests).Variables);
        // The silo's own reading of the device and the slots, as at startup.
        var device = new ComputeDevice(configuration, NullLogger<ComputeDevice>.Instance);
        Assert.Equal(Autograd.Device.Cpu, device.Device);
        Assert.Equal(1, new SiloSlots(configuration, device).PerSilo);
    }

    [Fact]
    public void ExternalRedis_DropsTheInClusterRedis_AndReadsTheOperatorsSecret()
    {
        var manifests = Manifests.Render("overlays/cpu-external-redis");

        Assert.Empty(manifests.All<V1StatefulSet>());
        Assert.DoesNotContain(manifests.All<V1Service>(), s => s.Metadata.Name == "redis");
        var missing = Assert.Throws<SecretNotRenderedException>(() => PodEnvironment.Resolve(manifests, manifests.SiloContainer));
        Assert.Equal("autograd-redis", missing.SecretName);
        var environment = ResolveSilo(manifests);
        Assert.Equal(ExternalRedis, SiloHostingOptions.Read(SiloConfiguration.FromEnvironment(environment.Variables)).RedisConnectionString);
    }

    [Fact]
    public void InClusterRedis_KeepsItsDataOnAVolume_AndAdmitsOnlySilos()
    {
        var manifests = Manifests.Render("overlays/cpu");
        var redis = manifests.Single<V1StatefulSet>("redis");
        var podLabels = manifests.Silo.Spec.Template.Metadata.Labels;

        var claim = Assert.Single(redis.Spec.VolumeClaimTemplates);
        Assert.Contains(redis.Spec.Template.Spec.Containers.Single().VolumeMounts, m => m.Name == claim.Metadata.Name && m.MountPath == "/data");
        Assert.Contains("--appendonly", redis.Spec.Template.Spec.Containers.Single().Args);
        var policy = manifests.Single<V1NetworkPolicy>("redis");
        var rule = Assert.Single(policy.Spec.Ingress);
        Assert.True(Selects(Assert.Single(rule.FromProperty).PodSelector, podLabels));
        // The silos' connection string names the Service in front of this StatefulSet.
        string connection = ResolveSilo(manifests).Variables["ConnectionStrings__redis"];
        Assert.Equal($"{redis.Spec.ServiceName}:{manifests.Single<V1Service>("redis").Spec.Ports.Single().Port}", connection);
    }

    internal const string ExternalRedis = "redis.example.com:6380,ssl=true,password=secret";

    /// <summary>The silo's environment; the external Redis overlay gets the Secret its README tells the operator to create.</summary>
    internal static PodEnvironment ResolveSilo(Manifests manifests, IReadOnlyDictionary<string, string>? fields = null) =>
        PodEnvironment.Resolve(manifests, manifests.SiloContainer, fields, new Dictionary<string, IDictionary<string, string>>
        {
            ["autograd-redis"] = new Dictionary<string, string> { ["connectionString"] = ExternalRedis },
        });

    internal static string ToVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    internal static TimeSpan HostShutdownTimeout(IConfiguration configuration)
    {
        // The real HostOptions binding, as the silo's host does it from its configuration.
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }

    private static void AssertHttpProbe(V1Probe? probe, string path, string overlay)
    {
        Assert.NotNull(probe);
        Assert.True(probe.HttpGet is not null, $"{overlay}: an HTTP probe is expected");
        Assert.Equal(path, probe.HttpGet.Path);
        Assert.Equal("http", probe.HttpGet.Port.Value);
    }

    private static bool Selects(V1LabelSelector? selector, IDictionary<string, string> labels) =>
        selector?.MatchLabels is { Count: > 0 } match && match.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
