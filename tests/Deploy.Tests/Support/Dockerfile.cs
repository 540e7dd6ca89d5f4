using System.Text.RegularExpressions;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// The instructions of a Dockerfile in deploy/docker, read as text (no Docker engine runs here): its stages, what it
/// copies from the build context, the project it publishes, and the final stage's user, ports and entry point.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string name, IReadOnlyList<(string Instruction, string Arguments)> lines)
    {
        Name = name;
        Lines = lines;
    }

    public string Name { get; }

    /// <summary>Instructions in order, continuation lines joined, comments dropped.</summary>
    public IReadOnlyList<(string Instruction, string Arguments)> Lines { get; }

    /// <summary>The final stage's instructions (after the last FROM).</summary>
    public IEnumerable<(string Instruction, string Arguments)> FinalStage =>
        Lines.Skip(Lines.Select((l, i) => (l, i)).Last(x => x.l.Instruction == "FROM").i);

    /// <summary>Build-context paths copied by COPY without --from.</summary>
    public IEnumerable<string> ContextSources => Lines
        .Where(l => l.Instruction == "COPY" && !l.Arguments.StartsWith("--from", StringComparison.Ordinal))
        .SelectMany(l => l.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]);

    /// <summary>The project <c>dotnet publish</c> builds.</summary>
    public string PublishedProject => Lines
        .Where(l => l.Instruction == "RUN")
        .Select(l => PublishCommand().Match(l.Arguments))
        .Single(m => m.Success).Groups[1].Value;

    public string? FinalUser => FinalStage.LastOrDefault(l => l.Instruction == "USER").Arguments;

    public IEnumerable<int> ExposedPorts => FinalStage.Where(l => l.Instruction == "EXPOSE")
        .SelectMany(l => l.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => int.Parse(p.Split('/')[0]));

    /// <summary>The final stage's ENTRYPOINT in exec form.</summary>
    public string[] EntryPoint => System.Text.Json.JsonSerializer.Deserialize<string[]>(FinalStage.Last(l => l.Instruction == "ENTRYPOINT").Arguments)!;

    public static Dockerfile Load(string fileName)
    {
        var lines = new List<(string, string)>();
        string pending = "";
        foreach (string raw in File.ReadAllLines(Path.Combine(Repository.Docker, fileName)))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0) continue;
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            int space = line.IndexOf(' ');
            lines.Add((line[..space].ToUpperInvariant(), line[(space + 1)..].Trim()));
        }

        return new Dockerfile(fileName, lines);
    }

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishCommand();
}
