using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// The log line of a <see cref="ProcessHealthSample"/>: <c>process-health {json}</c>, the JSON on one line. Whatever
/// the console formatter puts in front (a level, a category, a timestamp), the line's JSON starts at the first
/// <c>{</c> after the prefix, so <c>grep 'process-health {'</c> and <see cref="TryParse"/> read any silo's log.
/// </summary>
public static class ProcessHealthLog
{
    /// <summary>What starts the message.</summary>
    public const string Prefix = "process-health ";

    /// <summary>The sample's JSON, on one line.</summary>
    public static string ToJson(ProcessHealthSample sample) =>
        JsonSerializer.Serialize(sample, ProcessHealthJsonContext.Default.ProcessHealthSample);

    /// <summary>Reads the sample of a log line that holds one; false for any other line (or a line cut short).</summary>
    public static bool TryParse(string? line, [NotNullWhen(true)] out ProcessHealthSample? sample)
    {
        sample = null;
        if (line is null) return false;
        int prefix = line.IndexOf(Prefix + "{", StringComparison.Ordinal);
        if (prefix < 0) return false;
        try
        {
            sample = JsonSerializer.Deserialize(line.AsSpan(prefix + Prefix.Length), ProcessHealthJsonContext.Default.ProcessHealthSample);
            return sample is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
