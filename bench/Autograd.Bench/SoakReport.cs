using System.Globalization;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Bench;

/// <summary>Prints one silo's table (GC heap, working set, resident set, gen-2 collections, threads, thread-pool probe and stall warnings over time) and works out its <see cref="SoakVerdict"/>.</summary>
internal static class SoakReport
{
    private const double Mb = 1024 * 1024;

    /// <summary>Prints the table of <paramref name="silo"/> from <paramref name="start"/> to <paramref name="end"/>, one row per <paramref name="row"/>, and returns its verdict.</summary>
    public static SoakVerdict Report(SoakSilo silo, DateTimeOffset start, DateTimeOffset end, TimeSpan warmup, TimeSpan row)
    {
        Console.WriteLine();
        Console.WriteLine($"silo {silo.Index} (pid {silo.Process.Id}): {silo.Samples.Count} process-health samples");
        Console.WriteLine("| t (min) | GC heap MB | GC total MB | LOH MB | working set MB | VmRSS MB | gen0 | gen1 | gen2 | GC pause ms | alloc MB/s | threads | pool threads | probe max ms | starvation warnings | Orleans stalls | long turns |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        // The silo's first sample, before any job (the calibration's included) had run on it.
        if (silo.Samples.Count > 0)
        {
            var idle = silo.Samples[0];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| idle, {Minute(idle.Time - start)} | {idle.GcHeapBytes / Mb:F1} | {idle.GcTotalMemoryBytes / Mb:F1} | {idle.GcLohBytes / Mb:F1} | {idle.WorkingSetBytes / Mb:F1} | | " +
                $"{idle.Gen0Collections} | {idle.Gen1Collections} | {idle.Gen2Collections} | | | {idle.Threads} | {idle.ThreadPoolThreads} | {idle.ProbeMaxDelayMilliseconds:F0} | | | |"));
        }

        for (var from = start; from < end; from += row)
        {
            var to = from + row < end ? from + row : end;
            var samples = silo.Samples.Where(s => s.Time >= from && s.Time < to).ToList();
            var rss = silo.Rss.Where(r => r.Time >= from && r.Time < to).Select(r => r.Bytes / Mb).ToList();
            int starvation = silo.Starvation.Count(w => w.Time >= from && w.Time < to);
            int stalls = silo.OrleansStallLines.Count(w => w.Time >= from && w.Time < to);
            int longTurns = silo.LongTurns.Count(w => w.Time >= from && w.Time < to);
            if (samples.Count == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Minute(to - start)} | | | | | {Median(rss):F1} | | | | | | | | | {starvation} | {stalls} | {longTurns} |"));
                continue;
            }

            var last = samples[^1];
            // Pause and allocation over the row: from the sample before it (the previous row's last) to its last.
            var before = silo.Samples.LastOrDefault(s => s.Time < from) ?? samples[0];
            double seconds = (last.Time - before.Time).TotalSeconds;
            string pause = (last.GcPauseMilliseconds - before.GcPauseMilliseconds).ToString("F0", CultureInfo.InvariantCulture);
            string allocation = seconds > 0 ? ((last.AllocatedBytes - before.AllocatedBytes) / Mb / seconds).ToString("F1", CultureInfo.InvariantCulture) : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Minute(to - start)} | {Median(samples.Select(s => s.GcHeapBytes / Mb)):F1} | {Median(samples.Select(s => s.GcTotalMemoryBytes / Mb)):F1} | {Median(samples.Select(s => s.GcLohBytes / Mb)):F1} | " +
                $"{Median(samples.Select(s => s.WorkingSetBytes / Mb)):F1} | {Median(rss):F1} | {last.Gen0Collections} | {last.Gen1Collections} | {last.Gen2Collections} | {pause} | {allocation} | " +
                $"{last.Threads} | {last.ThreadPoolThreads} | {samples.Max(s => s.ProbeMaxDelayMilliseconds):F0} | {starvation} | {stalls} | {longTurns} |"));
        }

        var settled = start + warmup;
        var window = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, (end - settled).Ticks / 3));
        var after = silo.Samples.Where(s => s.Time >= settled && s.Time <= end).ToList();
        var verdict = new SoakVerdict(
            silo.Index,
            HeapStartMb: Around(silo.Samples, settled, settled + window, s => s.GcHeapBytes / Mb),
            HeapEndMb: Around(silo.Samples, end - window, end, s => s.GcHeapBytes / Mb),
            HeapSlopeMbPerMinute: Slope(after, settled, s => s.GcHeapBytes / Mb),
            WorkingSetStartMb: Around(silo.Samples, settled, settled + window, s => s.WorkingSetBytes / Mb),
            WorkingSetEndMb: Around(silo.Samples, end - window, end, s => s.WorkingSetBytes / Mb),
            WorkingSetSlopeMbPerMinute: Slope(after, settled, s => s.WorkingSetBytes / Mb),
            RssStartMb: Median(silo.Rss.Where(r => r.Time >= settled && r.Time <= settled + window).Select(r => r.Bytes / Mb)),
            RssEndMb: Median(silo.Rss.Where(r => r.Time >= end - window && r.Time <= end).Select(r => r.Bytes / Mb)),
            Gen2Collections: after.Count > 0 ? after[^1].Gen2Collections : 0,
            Samples: after.Count,
            StarvationWarnings: silo.Starvation.Count(w => w.Time >= start && w.Time <= end),
            OrleansStalls: silo.OrleansStallLines.Count(w => w.Time >= start && w.Time <= end),
            LongTurns: silo.LongTurns.Count(w => w.Time >= start && w.Time <= end),
            MaxProbeDelayMs: silo.Samples.Where(s => s.Time >= start && s.Time <= end).Select(s => s.ProbeMaxDelayMilliseconds).DefaultIfEmpty().Max());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"silo {silo.Index} after the warm-up ({warmup.TotalMinutes:F1} min; medians of {window.TotalSeconds:F0} s at each end): " +
            $"GC heap {verdict.HeapStartMb:F1} -> {verdict.HeapEndMb:F1} MB ({verdict.HeapGrowthMb:+0.0;-0.0;0.0} MB, {verdict.HeapGrowthPercent:+0.0;-0.0;0.0} %, slope {verdict.HeapSlopeMbPerMinute:+0.00;-0.00;0.00} MB/min), " +
            $"working set {verdict.WorkingSetStartMb:F1} -> {verdict.WorkingSetEndMb:F1} MB ({verdict.WorkingSetGrowthMb:+0.0;-0.0;0.0} MB, {verdict.WorkingSetGrowthPercent:+0.0;-0.0;0.0} %, slope {verdict.WorkingSetSlopeMbPerMinute:+0.00;-0.00;0.00} MB/min), " +
            $"VmRSS {verdict.RssStartMb:F1} -> {verdict.RssEndMb:F1} MB; starvation warnings {verdict.StarvationWarnings}, Orleans stalls {verdict.OrleansStalls}, long grain turns {verdict.LongTurns}, " +
            $"max probe delay {verdict.MaxProbeDelayMs:F0} ms: {(verdict.Flat ? "FLAT" : "GROWING")}"));
        foreach (var (time, line) in silo.Starvation.Concat(silo.OrleansStallLines).Concat(silo.LongTurns).OrderBy(w => w.Time).Take(8))
            Console.WriteLine($"  [seen at t={Minute(time - start)} min] {line}");
        foreach (string line in silo.OtherWarnings.Take(5)) Console.WriteLine("  other: " + line);
        return verdict;
    }

    private static string Minute(TimeSpan t) => t.TotalMinutes.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The median of the samples taken from <paramref name="from"/> to <paramref name="to"/>; the nearest sample's value when none was.</summary>
    private static double Around(List<ProcessHealthSample> samples, DateTimeOffset from, DateTimeOffset to, Func<ProcessHealthSample, double> value)
    {
        var inside = samples.Where(s => s.Time >= from && s.Time <= to).Select(value).ToList();
        if (inside.Count > 0) return Median(inside);
        var middle = from + ((to - from) / 2);
        return samples.Count == 0 ? double.NaN : value(samples.MinBy(s => Math.Abs((s.Time - middle).Ticks))!);
    }

    private static double Slope(List<ProcessHealthSample> samples, DateTimeOffset origin, Func<ProcessHealthSample, double> value)
    {
        if (samples.Count < 2) return double.NaN;
        var x = samples.Select(s => (s.Time - origin).TotalMinutes).ToArray();
        var y = samples.Select(value).ToArray();
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        return sxx == 0 ? double.NaN : x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / sxx;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
