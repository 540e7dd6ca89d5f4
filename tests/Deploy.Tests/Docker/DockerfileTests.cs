using System.Xml.Linq;
using Autograd.Cluster.Deploy.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Deploy.Tests.Docker;

/// <summary>
/// The images' Dockerfiles agree with the code and the manifests. No Docker engine runs here, so the images are not
/// built: these checks read the files (deploy/README.md says what stays unverified).
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> SiloDockerfiles => new(["silo.Dockerfile", "silo-gpu.Dockerfile"]);

    public static TheoryData<string> AllDockerfiles => new(Directory.GetFiles(Repository.Docker, "*.Dockerfile").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(AllDockerfiles))]
    public void Image_RunsAsANonRootUser_ThePodsRunAsUserToo(string file)
    {
        var dockerfile = Dockerfile.Load(file);

        Assert.True(int.TryParse(dockerfile.FinalUser, out int uid), $"{file}: the final stage's USER must be numeric, so that runAsNonRoot can check it");
        Assert.NotEqual(0, uid);
        Assert.Equal(1654, uid);
    }

    [Theory]
    [MemberData(nameof(AllDockerfiles))]
    public void Image_EntryPoint_RunsTheAssemblyThePublishedProjectBuilds(string file)
    {
        var dockerfile = Dockerfile.Load(file);
        string project = Path.Combine(Repository.Root, dockerfile.PublishedProject);

        Assert.True(File.Exists(project), $"{file} publishes {dockerfile.PublishedProject}, which does not exist");
        string assembly = XDocument.Load(project).Descendants("AssemblyName").Single().Value;
        Assert.Equal(["dotnet", assembly + ".dll"], dockerfile.EntryPoint.Take(2));
    }

    [Theory]
    [MemberData(nameof(AllDockerfiles))]
    public void Image_CopiesEveryProjectThePublishedProjectNeeds(string file)
    {
        var dockerfile = Dockerfile.Load(file);
        var copied = dockerfile.ContextSources.Select(s => Path.GetFullPath(Path.Combine(Repository.Root, s))).ToList();
        string ignore = File.ReadAllText(Path.Combine(Repository.Docker, file + ".dockerignore"));

        foreach (string project in ProjectClosure(Path.Combine(Repository.Root, dockerfile.PublishedProject)))
        {
            string relative = Path.GetRelativePath(Repository.Root, project);
            Assert.True(copied.Any(c => project.StartsWith(c.TrimEnd('/') + "/", StringComparison.Ordinal)), $"{file} copies nothing that holds {relative}");
            Assert.DoesNotContain(relative.Split('/')[0] + "/", ignore.Split('\n').Select(l => l.Trim()));
        }

        Assert.Contains("Directory.Packages.props", dockerfile.ContextSources);
        Assert.Contains("Directory.Build.props", dockerfile.ContextSources);
    }

    [Theory]
    [MemberData(nameof(SiloDockerfiles))]
    public void SiloImage_ExposesThePortsTheManifestsUse(string file)
    {
        var dockerfile = Dockerfile.Load(file);
        var manifests = Manifests.Render("overlays/cpu");

        Assert.Equal(manifests.SiloContainer.Ports.Select(p => p.ContainerPort).Order(), dockerfile.ExposedPorts.Order());
        Assert.Equal("Silo.csproj", Path.GetFileName(dockerfile.PublishedProject));
    }

    /// <summary>The project and every project it references, transitively.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current)) continue;
            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }

        return seen;
    }
}
