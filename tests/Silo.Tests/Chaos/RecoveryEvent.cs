using System.Globalization;
using System.Text.RegularExpressions;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// A "recovered" event of a job's status, as the coordinator writes it: the checkpoint step the job went on from (0 for
/// the initial parameters), the workers and shards it re-formed with, and the job's steps redone so far.
/// </summary>
internal sealed partial record RecoveryEvent(long FromStep, int Workers, int Shards, long RedoneSoFar, DateTimeOffset Timestamp)
{
    public static IReadOnlyList<RecoveryEvent> All(JobStatus status) =>
        status.Events.Where(e => e.Kind == "recovered").Select(e => Parse(e) ?? throw new FormatException($"unexpected recovered event: {e.Message}")).ToList();

    private static RecoveryEvent? Parse(JobEvent e)
    {
        var m = Pattern().Match(e.Message);
        if (!m.Success) return null;
        long from = m.Groups["step"].Success ? long.Parse(m.Groups["step"].Value, CultureInfo.InvariantCulture) : 0;
        return new RecoveryEvent(
            from,
            int.Parse(m.Groups["workers"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["shards"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["redone"].Value, CultureInfo.InvariantCulture),
            e.Timestamp);
    }

    [GeneratedRegex(@"^recovered from (?:the checkpoint at step (?<step>\d+)|the initial parameters[^)]*\)) with (?<workers>\d+) worker\(s\) and (?<shards>\d+) shard\(s\), (?<redone>\d+) step\(s\) redone so far")]
    private static partial Regex Pattern();
}
