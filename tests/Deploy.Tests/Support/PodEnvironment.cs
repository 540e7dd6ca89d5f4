using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// The environment a container of the rendered manifests starts with, resolved as the kubelet does: <c>envFrom</c>
/// ConfigMaps and Secrets first, then <c>env</c> in order, with <c>$(NAME)</c> expanded from the variables before it and
/// downward-API fields taken from <see cref="FieldValues"/> (the values a real pod would get: its IP, its name).
/// </summary>
internal sealed partial class PodEnvironment
{
    /// <summary>Stand-ins for the downward API: what a pod in namespace autograd would see.</summary>
    public static readonly IReadOnlyDictionary<string, string> PodFields = new Dictionary<string, string>
    {
        ["status.podIP"] = "10.244.1.17",
        ["metadata.name"] = "autograd-silo-7d9f8b6c4-x2k9q",
        ["metadata.namespace"] = "autograd",
    };

    private PodEnvironment(IReadOnlyDictionary<string, string> variables, IReadOnlySet<string> referenced, IReadOnlyDictionary<string, string> fieldRefs)
    {
        Variables = variables;
        Referenced = referenced;
        FieldRefs = fieldRefs;
    }

    /// <summary>Every variable the container sees, by name.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>Names that other variables' values reference as <c>$(NAME)</c>.</summary>
    public IReadOnlySet<string> Referenced { get; }

    /// <summary>Variables taken from the downward API: name to field path.</summary>
    public IReadOnlyDictionary<string, string> FieldRefs { get; }

    /// <param name="operatorSecrets">Secrets the operator creates rather than the manifests (name to data).</param>
    public static PodEnvironment Resolve(
        Manifests manifests, V1Container container, IReadOnlyDictionary<string, string>? fieldValues = null,
        IReadOnlyDictionary<string, IDictionary<string, string>>? operatorSecrets = null)
    {
        fieldValues ??= PodFields;
        IDictionary<string, string> Secret(string name) =>
            manifests.All<V1Secret>().Any(s => s.Metadata.Name == name) || operatorSecrets?.ContainsKey(name) != true
                ? SecretData(manifests, name)
                : operatorSecrets[name];
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var fieldRefs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var data = source.ConfigMapRef is { } cm ? ConfigMapData(manifests, cm.Name)
                : source.SecretRef is { } s ? Secret(s.Name)
                : throw new InvalidOperationException($"{manifests}: envFrom without a configMapRef or secretRef");
            foreach (var (key, value) in data) variables[(source.Prefix ?? "") + key] = value;
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                variables[env.Name] = Expand(env.Value ?? "", variables, referenced);
                continue;
            }

            var from = env.ValueFrom;
            if (from.FieldRef is { } field)
            {
                variables[env.Name] = fieldValues.TryGetValue(field.FieldPath, out var value)
                    ? value
                    : throw new InvalidOperationException($"{manifests}: {env.Name} reads field {field.FieldPath}, which this test does not stand in for");
                fieldRefs[env.Name] = field.FieldPath;
            }
            else if (from.SecretKeyRef is { } secret)
                variables[env.Name] = Lookup(Secret(secret.Name), secret.Key, $"Secret {secret.Name}", manifests);
            else if (from.ConfigMapKeyRef is { } map)
                variables[env.Name] = Lookup(ConfigMapData(manifests, map.Name), map.Key, $"ConfigMap {map.Name}", manifests);
            else
                throw new InvalidOperationException($"{manifests}: {env.Name} has a valueFrom this test does not resolve");
        }

        return new PodEnvironment(variables, referenced, fieldRefs);
    }

    private static string Lookup(IDictionary<string, string> data, string key, string what, Manifests manifests) =>
        data.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"{manifests}: {what} has no key {key}");

    /// <summary>A ConfigMap's data, by its rendered name (kustomize rewrites references to a generated map's hashed name).</summary>
    public static IDictionary<string, string> ConfigMapData(Manifests manifests, string name) =>
        manifests.All<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name)?.Data
        ?? throw new InvalidOperationException($"{manifests}: no ConfigMap {name} (the external Redis component expects you to create some objects yourself)");

    public static IDictionary<string, string> SecretData(Manifests manifests, string name)
    {
        var secret = manifests.All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name)
            ?? throw new SecretNotRenderedException(name);
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, bytes) in secret.Data ?? new Dictionary<string, byte[]>()) data[key] = Encoding.UTF8.GetString(bytes);
        foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>()) data[key] = value;
        return data;
    }

    // Kubernetes' rule: $(NAME) of a variable defined before is replaced, $$ escapes a dollar, anything else stays.
    private static string Expand(string value, Dictionary<string, string> defined, HashSet<string> referenced) =>
        Reference().Replace(value, m =>
        {
            if (m.Value == "$$") return "$";
            string name = m.Groups[1].Value;
            if (!defined.TryGetValue(name, out var v)) return m.Value;
            referenced.Add(name);
            return v;
        });

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();
}

/// <summary>A Secret the manifests reference but leave to the operator (the external Redis component).</summary>
internal sealed class SecretNotRenderedException(string name) : InvalidOperationException($"Secret {name} is not in the rendered manifests")
{
    public string SecretName { get; } = name;
}
