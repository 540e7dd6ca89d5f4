using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// Converts between a shard's flat slice [offset, offset + count) of the parameter vector and checkpoint entries keyed
/// by parameter name, so that a checkpoint written by one shard layout restores into any other.
/// </summary>
public static class CheckpointSlices
{
    /// <summary>A slice's values and optimizer state (one array per state name), cut into per-parameter entries.</summary>
    public static CheckpointEntry[] Cut(ParameterEntry[] parameters, ShardRange range, float[] values, float[][] state)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(state);
        long lo = range.Offset, hi = range.Offset + range.Count;
        var entries = new List<CheckpointEntry>();
        foreach (var p in parameters.Where(p => !p.IsBuffer))
        {
            long start = Math.Max(lo, p.Offset), end = Math.Min(hi, p.Offset + Numel(p.Shape));
            if (start >= end) continue;
            int from = (int)(start - lo), length = (int)(end - start);
            entries.Add(new CheckpointEntry(
                p.Name,
                start - p.Offset,
                FloatBlock.From(values.AsSpan(from, length)),
                state.Select(s => FloatBlock.From(s.AsSpan(from, length))).ToArray()));
        }

        return entries.ToArray();
    }

    /// <summary>
    /// Assembles the slice <paramref name="range"/> from every shard record of a checkpoint: the values, and the
    /// optimizer state for each of the records' state names. Throws naming the first element no record covers.
    /// </summary>
    public static (float[] Values, string[] StateNames, float[][] State, long OptimizerStep) Assemble(
        ParameterEntry[] parameters, ShardRange range, IReadOnlyList<ShardCheckpoint> records)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(records);
        var offsets = parameters.Where(p => !p.IsBuffer).ToDictionary(p => p.Name, p => p.Offset, StringComparer.Ordinal);
        string[] names = records.Count > 0 ? records[0].StateNames : [];
        if (records.Any(r => !r.StateNames.SequenceEqual(names, StringComparer.Ordinal)))
            throw new InvalidDataException($"checkpoint shard records disagree on the optimizer state they hold: {string.Join(" / ", records.Select(r => $"[{string.Join(", ", r.StateNames)}]"))}");
        long optimizerStep = records.Count > 0 ? records.Max(r => r.OptimizerStep) : 0;

        long lo = range.Offset, hi = range.Offset + range.Count;
        var values = new float[range.Count];
        var state = names.Select(_ => new float[range.Count]).ToArray();
        var covered = new bool[range.Count];
        foreach (var entry in records.SelectMany(r => r.Entries))
        {
            if (!offsets.TryGetValue(entry.Name, out long offset))
                throw new InvalidDataException($"checkpoint holds parameter '{entry.Name}', which the job's model does not have");
            if (entry.State.Length != names.Length)
                throw new InvalidDataException($"checkpoint entry '{entry.Name}' holds {entry.State.Length} optimizer state blocks for {names.Length} names");
            long start = offset + entry.Start, end = start + entry.Values.Count;
            long a = Math.Max(lo, start), b = Math.Min(hi, end);
            if (a >= b) continue;
            int source = (int)(a - start), target = (int)(a - lo), length = (int)(b - a);
            entry.Values.ToArray().AsSpan(source, length).CopyTo(values.AsSpan(target, length));
            for (int s = 0; s < names.Length; s++)
                entry.State[s].ToArray().AsSpan(source, length).CopyTo(state[s].AsSpan(target, length));
            covered.AsSpan(target, length).Fill(true);
        }

        int missing = Array.IndexOf(covered, false);
        if (missing >= 0)
            throw new InvalidDataException($"checkpoint does not cover element {lo + missing} of the parameter vector (shard slice [{lo}, {hi}))");
        return (values, names, state, optimizerStep);
    }

    private static long Numel(int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }
}
