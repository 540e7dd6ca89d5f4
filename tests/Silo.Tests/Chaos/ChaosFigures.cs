using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// Where the chaos tests report what they measured: the test's output, and one line per figure appended to
/// <see cref="FilePath"/> (<c>$AUTOGRAD_CHAOS_FIGURES</c>, else <c>chaos-figures.txt</c> in the temp folder), so that
/// the figures of a whole run can be read in one place.
/// </summary>
internal static class ChaosFigures
{
    public const string FileVariable = "AUTOGRAD_CHAOS_FIGURES";

    private static readonly Lock Gate = new();

    public static string FilePath =>
        Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } path ? path : Path.Combine(Path.GetTempPath(), "chaos-figures.txt");

    public static void Record(string scenario, string line)
    {
        string text = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {scenario}: {line}";
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        lock (Gate)
        {
            File.AppendAllText(FilePath, text + Environment.NewLine);
        }
    }
}
