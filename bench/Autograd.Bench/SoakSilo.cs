using System.Globalization;
using Autograd.Cluster.Silo.Telemetry;
using Autograd.Cluster.Testing;

namespace Autograd.Bench;

/// <summary>
/// What the soak collects from one silo process: its <c>process-health</c> samples (read from its log), its resident
/// set from <c>/proc/&lt;pid&gt;/status</c>, and the log lines that report a stalled thread pool: the sampler's own
/// <c>thread-pool starvation</c> warnings and Orleans' (<c>LocalSiloHealthMonitor</c>: ".NET Thread Pool execution
/// stalled for", the watchdog: ".NET Runtime Platform stalled for", "Participant check thread has not completed"), and
/// Orleans' warnings of grain turns that held a thread over a second.
/// </summary>
internal sealed class SoakSilo(int index, ChildProcess process)
{
    /// <summary>Orleans' own stall messages (Orleans.Runtime 10.4.2).</summary>
    private static readonly string[] OrleansStalls = ["stalled for", "Participant check thread has not completed"];

    private readonly HashSet<string> _seen = [];

    public int Index { get; } = index;

    public ChildProcess Process { get; } = process;

    public List<ProcessHealthSample> Samples { get; } = [];

    public List<(DateTimeOffset Time, long Bytes)> Rss { get; } = [];

    public List<(DateTimeOffset Time, string Line)> Starvation { get; } = [];

    public List<(DateTimeOffset Time, string Line)> OrleansStallLines { get; } = [];

    /// <summary>
    /// Orleans' warnings of a grain turn that held its thread over a second (<c>WorkItemGroup</c>: "took elapsed time ...
    /// for execution, which is longer than"): not starvation themselves, but what starves a small pool.
    /// </summary>
    public List<(DateTimeOffset Time, string Line)> LongTurns { get; } = [];

    /// <summary>Other warnings and errors the silo logged, for the report.</summary>
    public List<string> OtherWarnings { get; } = [];

    /// <summary>Reads the lines the silo wrote since the last call (its output keeps the last 200) and its resident set now.</summary>
    public void Poll(DateTimeOffset now)
    {
        foreach (string line in Process.Output().Split('\n'))
        {
            string text = line.TrimEnd('\r');
            if (text.Length == 0 || text.StartsWith("--- ", StringComparison.Ordinal)) continue;
            if (ProcessHealthLog.TryParse(text, out var sample))
            {
                if (Samples.Count == 0 || sample.Sequence > Samples[^1].Sequence) Samples.Add(sample);
                continue;
            }

            // The silos' console lines carry a millisecond timestamp, so a line seen twice is the same line.
            if (!_seen.Add(text)) continue;
            if (text.Contains("thread-pool starvation:", StringComparison.Ordinal)) Starvation.Add((now, text));
            else if (OrleansStalls.Any(s => text.Contains(s, StringComparison.Ordinal))) OrleansStallLines.Add((now, text));
            else if (text.Contains("for execution, which is longer than", StringComparison.Ordinal)) LongTurns.Add((now, text));
            else if (text.Contains(" warn: ", StringComparison.Ordinal) || text.Contains(" fail: ", StringComparison.Ordinal) || text.Contains(" crit: ", StringComparison.Ordinal)) OtherWarnings.Add(text);
        }

        if (ReadRss() is { } rss) Rss.Add((now, rss));
    }

    private long? ReadRss()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Process.Id}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // The process has exited.
        }

        return null;
    }
}
