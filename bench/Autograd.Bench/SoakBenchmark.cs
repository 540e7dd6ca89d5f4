using System.Globalization;
using System.Text.Json;
using Autograd.Bench.Cluster;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Bench;

/// <summary>
/// The soak of issue 8: three jobs (the MLP, the CNN, the 5-3-1 regression of <c>examples/</c>) train at the same time
/// for <c>--minutes</c> on 3 silo processes (a private <c>redis-server</c>, <see cref="SiloCluster"/>); every job must
/// complete, and each silo's GC heap and working set must stay flat after the warm-up, with no thread-pool starvation.
/// </summary>
/// <remarks>
/// The jobs are sized, not restarted: the three first run together for <c>--calibrate-seconds</c> with an endless epoch
/// count to measure their step rates under each other's load, are cancelled, and are submitted again with the epochs
/// that rate covers in <c>--minutes</c>. Memory comes from each silo's <c>process-health</c> log lines
/// (<c>Autograd.Cluster.Silo.Telemetry.ProcessHealthSampler</c>, every 10 s) and from <c>/proc/&lt;pid&gt;/status</c>.
/// </remarks>
internal static class SoakBenchmark
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Warm = TimeSpan.FromSeconds(30);

    public static int Run(string[] args) => RunAsync(SoakOptions.Parse(args)).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(SoakOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {options.Silos} silos, {options.Minutes} min (warm-up {options.WarmupMinutes} min), engine threads per silo {options.Threads}, " +
            $"images: {(SoakJobs.FashionMnist ? "Fashion-MNIST" : "synthetic blobs (Fashion-MNIST not found)")}; load average {LoadAverage()}"));
        var environment = new Dictionary<string, string>
        {
            ["AUTOGRAD_NUM_THREADS"] = options.Threads.ToString(CultureInfo.InvariantCulture),
            // The sampler's lines are Information; the cluster helper sets the rest to Warning.
            ["Logging__LogLevel__Autograd.Cluster.Silo.Telemetry"] = "Information",
            // One line per entry with a UTC timestamp: a line read twice from the output's tail is recognised as the same.
            // The simple formatter reads its options from configuration only when it is named.
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        };
        await using var cluster = await SiloCluster.StartAsync(options.Silos, environment: environment);
        var silos = cluster.Silos.Select((s, i) => new SoakSilo(i, s.Process)).ToList();

        var epochs = await CalibrateAsync(cluster, silos, options);
        var start = DateTimeOffset.UtcNow;
        var jobs = new List<SoakJob>();
        foreach (string name in SoakJobs.Names)
        {
            var spec = SoakJobs.Spec(name, options.Silos, epochs[name]);
            var grain = cluster.Grains.GetGrain<ITrainingJobGrain>($"soak-{name}-{Guid.NewGuid():N}");
            await grain.SubmitAsync(spec);
            jobs.Add(new SoakJob(name, grain, DateTimeOffset.UtcNow));
        }

        Console.WriteLine($"soak started {start:HH:mm:ss} UTC: {string.Join(", ", SoakJobs.Names.Select(n => $"{n} {epochs[n]} epochs"))}");
        // A job slower than its calibration gets up to twice the planned time before the soak gives up on it.
        var deadline = start + TimeSpan.FromMinutes((options.Minutes * 2) + 2);
        var lastProgress = DateTimeOffset.MinValue;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var silo in silos) silo.Poll(now);
            foreach (var job in jobs.Where(j => j.Finished is null))
            {
                try
                {
                    job.Status = await job.Grain.GetStatusAsync();
                }
                catch (TimeoutException e)
                {
                    // A status call that times out on a loaded machine is not the job's end: ask again next tick.
                    Console.WriteLine($"t={(now - start).TotalMinutes:F1} min: {job.Name} status timed out ({e.Message})");
                    continue;
                }

                if (job.Status.IsFinished) job.Finished = now;
            }

            if (now - lastProgress >= TimeSpan.FromSeconds(30))
            {
                lastProgress = now;
                Progress(now - start, jobs, silos);
            }

            if (jobs.All(j => j.Finished is not null) || now > deadline) break;
            await Task.Delay(Tick);
        }

        var end = jobs.Select(j => j.Finished ?? DateTimeOffset.UtcNow).Max();
        foreach (var job in jobs.Where(j => j.Finished is null)) await job.Grain.CancelAsync("the soak ran past its deadline");
        foreach (var silo in silos) silo.Poll(DateTimeOffset.UtcNow);
        return Report(options, start, end, jobs, silos);
    }

    /// <summary>Runs the three jobs together without an end, measures their steps per second, cancels them, and returns each one's epochs for the soak.</summary>
    private static async Task<Dictionary<string, int>> CalibrateAsync(SiloCluster cluster, List<SoakSilo> silos, SoakOptions options)
    {
        const int Endless = 1_000_000;
        var grains = new Dictionary<string, ITrainingJobGrain>();
        foreach (string name in SoakJobs.Names)
        {
            grains[name] = cluster.Grains.GetGrain<ITrainingJobGrain>($"soak-calibration-{name}-{Guid.NewGuid():N}");
            await grains[name].SubmitAsync(SoakJobs.Spec(name, options.Silos, Endless));
        }

        // Counted from Warm after every job has finished its first epoch (data loads, the first test evaluation and
        // checkpoint are behind it, the three run side by side, and the JIT has had time to replace its first,
        // unoptimised code: counted earlier, the rates came out at half the soak's), for --calibrate-seconds.
        var first = new Dictionary<string, (DateTimeOffset Time, long Step)>();
        var last = new Dictionary<string, JobStatus>();
        var settleBy = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        DateTimeOffset? warmUntil = null, stop = null;
        var lastTime = DateTimeOffset.UtcNow;
        while (stop is null || DateTimeOffset.UtcNow < stop)
        {
            await Task.Delay(Tick);
            var now = DateTimeOffset.UtcNow;
            foreach (var silo in silos) silo.Poll(now);
            foreach (var (name, grain) in grains)
            {
                var status = await grain.GetStatusAsync();
                if (status.IsFinished)
                    throw new InvalidOperationException($"soak calibration: job {name} {status.State}: {status.FailureReason}{Environment.NewLine}{cluster.Output()}");
                last[name] = status;
            }

            lastTime = now;
            if (warmUntil is null && (last.Values.All(s => s.Step > s.TotalSteps / s.Epochs) || now > settleBy))
                warmUntil = now + Warm;
            if (stop is null && now >= warmUntil)
            {
                foreach (var (name, status) in last) first[name] = (now, status.Step);
                stop = now + TimeSpan.FromSeconds(options.CalibrateSeconds);
            }
        }

        var epochs = new Dictionary<string, int>();
        foreach (var (name, grain) in grains)
        {
            var status = last[name];
            double rate = (status.Step - first[name].Step) / (lastTime - first[name].Time).TotalSeconds;
            long stepsPerEpoch = status.TotalSteps / status.Epochs;
            epochs[name] = (int)Math.Max(1, Math.Round(rate * options.Minutes * 60 / stepsPerEpoch));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calibration {name}: {rate:F1} steps/s with the other two running, {stepsPerEpoch} steps per epoch -> {epochs[name]} epochs for {options.Minutes} min"));
            await grain.CancelAsync("soak calibration done");
        }

        foreach (var (name, grain) in grains)
        {
            while (!(await grain.GetStatusAsync()).IsFinished) await Task.Delay(200);
        }

        return epochs;
    }

    private static void Progress(TimeSpan elapsed, List<SoakJob> jobs, List<SoakSilo> silos)
    {
        string jobText = string.Join(" | ", jobs.Select(j => j.Status is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"{j.Name} {s.State} epoch {s.Epoch + 1}/{s.Epochs} step {s.Step}/{s.TotalSteps} loss {s.Loss:F3}")
            : $"{j.Name} submitted"));
        string siloText = string.Join(" | ", silos.Select(s => s.Samples.Count == 0
            ? $"silo {s.Index} no sample yet"
            : string.Create(CultureInfo.InvariantCulture,
                $"silo {s.Index} heap {s.Samples[^1].GcHeapBytes / 1048576.0:F0} MB ws {s.Samples[^1].WorkingSetBytes / 1048576.0:F0} MB gen2 {s.Samples[^1].Gen2Collections} starved {s.Starvation.Count}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"t={elapsed.TotalMinutes:F1} min: {jobText}"));
        Console.WriteLine($"           {siloText}");
    }

    private static int Report(SoakOptions options, DateTimeOffset start, DateTimeOffset end, List<SoakJob> jobs, List<SoakSilo> silos)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak ended after {(end - start).TotalMinutes:F1} min; load average {LoadAverage()}"));
        Console.WriteLine("| job | state | epochs | steps | minutes | final loss | test accuracy |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var job in jobs)
        {
            var s = job.Status!;
            double minutes = ((job.Finished ?? end) - job.Submitted).TotalMinutes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {job.Name} | {s.State}{(s.FailureReason is null ? "" : $" ({s.FailureReason})")} | {s.Epochs} | {s.Step} | {minutes:F1} | {s.Loss:F4} | {(s.TestAccuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) : "-")} |"));
        }

        var row = options.Minutes >= 5 ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(10);
        var verdicts = silos.Select(s => SoakReport.Report(s, start, end, TimeSpan.FromMinutes(options.WarmupMinutes), row)).ToList();
        bool completed = jobs.All(j => j.Status?.State == JobState.Completed);
        int starvation = verdicts.Sum(v => v.StarvationWarnings);
        int stalls = verdicts.Sum(v => v.OrleansStalls);
        bool flat = verdicts.All(v => v.Flat);
        Console.WriteLine();
        Console.WriteLine(
            $"verdict: jobs {(completed ? "all completed" : "NOT all completed")}; memory {(flat ? "flat" : "GROWING")} on every silo " +
            $"(growth after the warm-up within max({SoakVerdict.ToleranceMb} MB, {SoakVerdict.TolerancePercent} %) for GC heap and working set); " +
            $"thread-pool starvation warnings {starvation}, Orleans stall warnings {stalls}, long grain turns {verdicts.Sum(v => v.LongTurns)} (during the soak, after the calibration)");
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
        {
            bench = "soak",
            minutes = options.Minutes,
            warmup_minutes = options.WarmupMinutes,
            silos = options.Silos,
            fashion_mnist = SoakJobs.FashionMnist,
            duration_minutes = Math.Round((end - start).TotalMinutes, 2),
            all_completed = completed,
            memory_flat = flat,
            starvation_warnings = starvation,
            orleans_stalls = stalls,
            long_turns = verdicts.Sum(v => v.LongTurns),
            jobs = jobs.Select(j => new
            {
                name = j.Name,
                state = j.Status?.State.ToString(),
                epochs = j.Status?.Epochs,
                steps = j.Status?.Step,
                minutes = Math.Round(((j.Finished ?? end) - j.Submitted).TotalMinutes, 2),
                loss = j.Status?.Loss,
                test_accuracy = j.Status?.TestAccuracy,
            }),
            per_silo = verdicts.Select(v => new
            {
                silo = v.Silo,
                heap_start_mb = Math.Round(v.HeapStartMb, 1),
                heap_end_mb = Math.Round(v.HeapEndMb, 1),
                heap_growth_mb = Math.Round(v.HeapGrowthMb, 1),
                heap_growth_pct = Finite(v.HeapGrowthPercent),
                heap_slope_mb_per_min = Finite(v.HeapSlopeMbPerMinute),
                working_set_start_mb = Math.Round(v.WorkingSetStartMb, 1),
                working_set_end_mb = Math.Round(v.WorkingSetEndMb, 1),
                working_set_growth_mb = Math.Round(v.WorkingSetGrowthMb, 1),
                working_set_growth_pct = Finite(v.WorkingSetGrowthPercent),
                working_set_slope_mb_per_min = Finite(v.WorkingSetSlopeMbPerMinute),
                rss_start_mb = Finite(v.RssStartMb),
                rss_end_mb = Finite(v.RssEndMb),
                gen2 = v.Gen2Collections,
                samples = v.Samples,
                starvation_warnings = v.StarvationWarnings,
                orleans_stalls = v.OrleansStalls,
                long_turns = v.LongTurns,
                max_probe_delay_ms = Math.Round(v.MaxProbeDelayMs),
                flat = v.Flat,
            }),
        }));
        return completed ? 0 : 1;
    }

    /// <summary>Null for a figure that could not be computed (JSON has no NaN).</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 2) : null;

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
