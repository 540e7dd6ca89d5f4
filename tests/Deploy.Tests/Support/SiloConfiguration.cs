using System.Reflection;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Data;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// What the silo reads, from the code itself: every public <c>*Key</c> constant holding a configuration path
/// (<c>Section:Name</c>) in the silo's and ServiceDefaults' assemblies, plus the few keys libraries read without a
/// constant of ours. A key added to the code shows up here and fails the manifest tests until the manifests set it or
/// the test lists it as deliberately defaulted.
/// </summary>
internal static class SiloConfiguration
{
    /// <summary>Keys read by code that is not ours, each with who reads it.</summary>
    public static readonly IReadOnlyDictionary<string, string> LibraryKeys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["shutdownTimeoutSeconds"] = "Microsoft.Extensions.Hosting HostOptions: how long the host may take to stop",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "src/ServiceDefaults (turns the OTLP exporter on) and the OpenTelemetry SDK",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "the OpenTelemetry SDK's OTLP exporter",
        ["OTEL_SERVICE_NAME"] = "the OpenTelemetry SDK's resource",
        ["OTEL_RESOURCE_ATTRIBUTES"] = "the OpenTelemetry SDK's resource",
    };

    /// <summary>The CPU backend's thread count (Autograd.Core's CpuParallel).</summary>
    public const string CpuThreadsVariable = "AUTOGRAD_NUM_THREADS";

    /// <summary>Every configuration key the silo's own code reads, by key, with the constant that names it.</summary>
    public static IReadOnlyDictionary<string, string> CodeKeys { get; } = FindCodeKeys();

    /// <summary>The configuration an environment gives a .NET host: <c>__</c> is <c>:</c>; <c>DOTNET_</c>/<c>ASPNETCORE_</c> prefixes are also read stripped.</summary>
    public static IConfiguration FromEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            string key = name.Replace("__", ":", StringComparison.Ordinal);
            values[key] = value;
            foreach (string prefix in new[] { "DOTNET_", "ASPNETCORE_" })
                if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) values[key[prefix.Length..]] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>The configuration key an environment variable sets (prefix stripped for host settings).</summary>
    public static string KeyOf(string variable)
    {
        string key = variable.Replace("__", ":", StringComparison.Ordinal);
        return key.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase) ? key["DOTNET_".Length..] : key;
    }

    private static Dictionary<string, string> FindCodeKeys()
    {
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var assembly in new[] { typeof(SiloHostingOptions).Assembly, typeof(ServiceDefaults.Extensions).Assembly })
        foreach (var type in assembly.GetExportedTypes())
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field is { IsLiteral: true } && field.FieldType == typeof(string) && field.Name.EndsWith("Key", StringComparison.Ordinal)
                && field.GetRawConstantValue() is string key && key.Contains(':', StringComparison.Ordinal))
                keys[key] = $"{type.Name}.{field.Name}";
        }

        // Autograd.Core reads two plain environment variables: the dataset folder, and the CPU backend's thread count
        // (a literal in CpuParallel.InitialDegreeOfParallelism, with no constant to find).
        keys[FashionMnistFiles.DirectoryEnvironmentVariable] = $"{nameof(FashionMnistFiles)}.{nameof(FashionMnistFiles.DirectoryEnvironmentVariable)}";
        keys[CpuThreadsVariable] = "CpuParallel.InitialDegreeOfParallelism";
        return keys;
    }
}
