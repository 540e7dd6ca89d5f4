using Autograd.Cluster.Deploy.Tests.Support;
using Autograd.Cluster.Silo.Hosting;
using k8s.Models;
using Xunit;

namespace Autograd.Cluster.Deploy.Tests.Kubernetes;

/// <summary>
/// Mutual TLS is on in every overlay and in the submit Job: the paths the silo reads (<see cref="TlsSettings"/>'
/// keys) and the CLI's <c>--tls-*</c> options name files of a mounted TLS secret, with its standard keys, read-only and
/// not world-readable; silos and clients hold different secrets (a client key cannot pose as a silo).
/// </summary>
public sealed class TlsManifestTests
{
    /// <summary>The keys of a <c>kubernetes.io/tls</c> secret (plus <c>ca.crt</c>, which cert-manager adds), by the setting that names each.</summary>
    private static readonly (string Key, string File)[] SiloFiles =
    [
        (TlsSettings.CertificatePathKey, "tls.crt"), (TlsSettings.KeyPathKey, "tls.key"), (TlsSettings.CaPathKey, "ca.crt"),
    ];

    public static TheoryData<string> Overlays => new(Manifests.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloTlsPaths_AreFilesOfTheMountedSiloSecret(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var variables = OverlayTests.ResolveSilo(manifests).Variables;

        foreach (var (key, file) in SiloFiles)
        {
            string variable = OverlayTests.ToVariable(key);
            Assert.True(variables.TryGetValue(variable, out var path), $"{overlay}: TLS is off: {variable} is not set");
            var secret = MountedSecret(manifests.Silo.Spec.Template.Spec, manifests.SiloContainer, path!, overlay);
            Assert.Equal("autograd-silo-tls", secret.SecretName);
            Assert.Equal(file, Path.GetFileName(path));
        }
    }

    [Fact]
    public void SubmitJob_TlsOptions_AreFilesOfTheMountedClientSecret()
    {
        var submit = Manifests.Render(Manifests.Submit);
        var pod = submit.Single<V1Job>("autograd-submit").Spec.Template.Spec;
        var container = pod.Containers.Single();
        var args = container.Args;

        foreach (var (option, file) in new[] { ("--tls-cert", "tls.crt"), ("--tls-key", "tls.key"), ("--tls-ca", "ca.crt") })
        {
            Assert.True(args.Contains(option), $"the submit Job does not pass {option}: it cannot connect to silos with TLS on");
            string path = args[args.IndexOf(option) + 1];
            var secret = MountedSecret(pod, container, path, Manifests.Submit);
            // Its own certificate (client authentication only), not the silos': a client must not be able to pose as a silo.
            Assert.Equal("autograd-client-tls", secret.SecretName);
            Assert.Equal(file, Path.GetFileName(path));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloAndClientSecrets_AreDistinct(string overlay)
    {
        var silo = Manifests.Render(overlay).Silo.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName);
        var client = Manifests.Render(Manifests.Submit).Single<V1Job>("autograd-submit").Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName);

        Assert.Empty(silo.Intersect(client));
    }

    // The secret volume whose read-only mount holds `path`, checked: the file is one of its items (or keys) and the
    // files are not readable by other users of the node.
    private static V1SecretVolumeSource MountedSecret(V1PodSpec pod, V1Container container, string path, string where)
    {
        var mount = container.VolumeMounts.SingleOrDefault(m => path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{where}: no volume is mounted where {path} lies");
        Assert.True(mount.ReadOnlyProperty, $"{where}: the mount of {path} is writable");
        var secret = pod.Volumes.Single(v => v.Name == mount.Name).Secret;
        Assert.True(secret is not null, $"{where}: {path} is not on a secret volume");
        string file = path[(mount.MountPath.TrimEnd('/').Length + 1)..];
        if (secret.Items is { Count: > 0 } items)
            Assert.Contains(file, items.Select(i => i.Path));
        Assert.True(secret.DefaultMode is { } mode && (mode & 0b000_000_111) == 0, $"{where}: {secret.SecretName}'s files are readable by every user (defaultMode {Convert.ToString(secret.DefaultMode ?? 420, 8)})");
        Assert.True(pod.SecurityContext?.FsGroup is not null, $"{where}: without fsGroup the non-root process cannot read files of mode {Convert.ToString(secret.DefaultMode ?? 420, 8)}");
        return secret;
    }
}
