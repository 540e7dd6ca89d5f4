using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// Renders kustomizations with the real <c>kubectl kustomize</c> (offline: no cluster is contacted). The manifests use
/// kustomize 5 features (components, <c>labels</c>, <c>patches</c>); without a kubectl whose kustomize is v5 or newer
/// every test that renders is skipped, visibly.
/// </summary>
internal static partial class Kubectl
{
    private static readonly Lazy<string?> Unavailable = new(FindProblem);

    /// <summary>Skips the calling test when kubectl cannot render the manifests, saying why.</summary>
    public static void SkipUnlessAvailable()
    {
        if (Unavailable.Value is { } reason) Assert.Skip(reason);
    }

    /// <summary>The YAML <c>kubectl kustomize</c> renders for the kustomization in <paramref name="directory"/>.</summary>
    public static string Kustomize(string directory)
    {
        SkipUnlessAvailable();
        var (exit, output, error) = Run("kustomize", directory);
        if (exit != 0) throw new InvalidOperationException($"kubectl kustomize {directory} failed ({exit}):{Environment.NewLine}{error}");
        return output;
    }

    private static string? FindProblem()
    {
        (int exit, string output, string error) version;
        try
        {
            version = Run("version", "--client");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "kubectl is not installed: the manifests cannot be rendered here";
        }

        if (version.exit != 0) return $"kubectl version --client failed: {version.error.Trim()}";
        var match = KustomizeVersion().Match(version.output);
        if (!match.Success) return $"kubectl has no kustomize version line (kubectl version --client said: {version.output.Trim()})";
        int major = int.Parse(match.Groups[1].Value);
        return major >= 5 ? null : $"kubectl's kustomize is v{match.Groups[1].Value}.{match.Groups[2].Value}: the manifests need kustomize v5 or newer";
    }

    private static (int Exit, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} ran over two minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    [GeneratedRegex(@"Kustomize Version: v(\d+)\.(\d+)")]
    private static partial Regex KustomizeVersion();
}
