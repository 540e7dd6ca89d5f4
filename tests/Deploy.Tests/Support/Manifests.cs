using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// One rendered kustomization as the Kubernetes client's typed models (<see cref="KubernetesYaml.LoadAllFromString"/>):
/// a field the schema does not know, or a value of the wrong type, fails the parse.
/// </summary>
internal sealed class Manifests
{
    /// <summary>Every kustomization a user applies, relative to deploy/kubernetes.</summary>
    public static readonly string[] Overlays = ["overlays/cpu", "overlays/gpu", "overlays/cpu-external-redis"];

    /// <summary>The Job that submits a training job with the CLI, relative to deploy/kubernetes.</summary>
    public const string Submit = "submit";

    private Manifests(string name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Name = name;
        Objects = objects;
    }

    /// <summary>The kustomization, relative to deploy/kubernetes.</summary>
    public string Name { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new(StringComparer.Ordinal);

    /// <summary>Renders deploy/kubernetes/<paramref name="kustomization"/> and parses every object (once per test run; tests only read them).</summary>
    public static Manifests Render(string kustomization)
    {
        Kubectl.SkipUnlessAvailable();
        return Rendered.GetOrAdd(kustomization, k => new Lazy<Manifests>(() => RenderNow(k))).Value;
    }

    private static Manifests RenderNow(string kustomization)
    {
        string yaml = Kubectl.Kustomize(Path.Combine(Repository.Kubernetes, kustomization));
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (object o in KubernetesYaml.LoadAllFromString(yaml, strict: true))
        {
            objects.Add(o as IKubernetesObject<V1ObjectMeta>
                ?? throw new InvalidOperationException($"{kustomization}: an object of {o.GetType().Name} is not a Kubernetes object with metadata"));
        }

        return new Manifests(kustomization, objects);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    /// <summary>The one object of type <typeparamref name="T"/> whose name is (or, for generated objects, starts with) <paramref name="name"/>.</summary>
    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta>
    {
        var found = All<T>().Where(o => o.Metadata.Name == name || o.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal)).ToList();
        return found.Count == 1 ? found[0] : throw new InvalidOperationException($"{Name}: {found.Count} {typeof(T).Name} named {name}");
    }

    /// <summary>The silo Deployment.</summary>
    public V1Deployment Silo => Single<V1Deployment>("autograd-silo");

    /// <summary>The silo container.</summary>
    public V1Container SiloContainer => Silo.Spec.Template.Spec.Containers.Single(c => c.Name == "silo");

    public override string ToString() => Name;
}
