using System.Globalization;
using System.Text.Json;
using Autograd.Bench.Cluster;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Bench;

/// <summary>
/// Data-parallel scaling on this machine: Fashion-MNIST training of the reference MLP or CNN (Adam 1e-3, batch 128 per
/// worker) by 2 silo processes pinned to one core each (<c>taskset -c 0</c> / <c>-c 1</c>) with 2 workers (global
/// batch 256), against 1 silo pinned to core 0 with 1 worker (batch 128). Each silo's engine runs one thread
/// (<c>AUTOGRAD_NUM_THREADS=1</c>). Throughput is the coordinator's samples/s over the epochs after the first (the
/// first includes JIT and warm-up) or the only epoch, two ways: training throughput, over the time the epochs spent
/// running training steps (the data-parallel part), and wall-clock throughput, over the epochs' whole time (with the
/// test-split evaluation and checkpoint that end each epoch). Per-step compute and reduce times are sampled from the
/// job status.
/// <c>--repeat R</c> measures the pair R times, interleaved (1 silo, 2 silos, 1 silo, ...), and reports the median
/// ratio of the pairs: on this VM one pair's ratio moves by several percent from run to run, the 1-silo side alone by
/// ~5%, with the same binaries.
/// <c>--max-run-steps N</c> caps the coordinator's runs of consecutive steps on both sides (<c>Autograd:StepRun:MaxSteps</c>;
/// 1 = one coordinator call per step, as before runs), to measure what the runs save in one session.
/// </summary>
internal static class ScalingBenchmark
{
    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        string model = "mlp";
        int? epochs = null;
        int limit = 0;
        int? maxRunSteps = null;
        int repeat = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--model": model = args[++i]; break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--limit": limit = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--max-run-steps": maxRunSteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"scaling: unknown argument '{args[i]}'");
            }
        }

        if (model is not ("mlp" or "cnn")) throw new ArgumentException($"scaling: --model must be mlp or cnn, got '{model}'");
        if (repeat < 1) throw new ArgumentException($"scaling: --repeat must be at least 1, got {repeat}");
        // An MLP epoch takes well under a second: enough of them to be past the noise of one.
        int e = epochs ?? (model == "mlp" ? 8 : 2);
        var pairs = new List<(Measurement One, Measurement Two)>();
        for (int r = 0; r < repeat; r++)
        {
            var measuredOne = await MeasureAsync(model, e, limit, maxRunSteps, silos: 1);
            var measuredTwo = await MeasureAsync(model, e, limit, maxRunSteps, silos: 2);
            pairs.Add((measuredOne, measuredTwo));
            if (repeat > 1) Console.WriteLine($"pair {r + 1}/{repeat}: {measuredTwo.SamplesPerSecond / measuredOne.SamplesPerSecond:F3}x (training steps)");
        }

        // The pair whose ratio is the median's (the lower middle one of an even count): its figures, not a mix of pairs.
        var (one, two) = pairs.OrderBy(p => p.Two.SamplesPerSecond / p.One.SamplesPerSecond).ElementAt((pairs.Count - 1) / 2);
        double ratio = two.SamplesPerSecond / one.SamplesPerSecond;
        double wallClockRatio = two.WallClockSamplesPerSecond / one.WallClockSamplesPerSecond;
        Console.WriteLine($"scaling {model}: 2 silos x 1 core {two.SamplesPerSecond:F0} samples/s / 1 silo x 1 core {one.SamplesPerSecond:F0} samples/s = {ratio:F2}x (training steps)");
        Console.WriteLine($"scaling {model}: 2 silos x 1 core {two.WallClockSamplesPerSecond:F0} samples/s / 1 silo x 1 core {one.WallClockSamplesPerSecond:F0} samples/s = {wallClockRatio:F2}x (wall clock, evaluation and checkpoints included)");
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
        {
            bench = "scaling",
            model,
            epochs = e,
            max_run_steps = maxRunSteps,
            repeat,
            pair_ratios = pairs.Select(p => Math.Round(p.Two.SamplesPerSecond / p.One.SamplesPerSecond, 3)).ToArray(),
            one_silo_samples_per_s = Math.Round(one.SamplesPerSecond),
            two_silos_samples_per_s = Math.Round(two.SamplesPerSecond),
            ratio = Math.Round(ratio, 3),
            one_silo_wall_clock_samples_per_s = Math.Round(one.WallClockSamplesPerSecond),
            two_silos_wall_clock_samples_per_s = Math.Round(two.WallClockSamplesPerSecond),
            wall_clock_ratio = Math.Round(wallClockRatio, 3),
            one_silo_step_ms = Math.Round(one.StepMs, 2),
            two_silos_step_ms = Math.Round(two.StepMs, 2),
            two_silos_compute_ms = Rounded(two.ComputeMs),
            two_silos_reduce_ms = Rounded(two.ReduceMs),
            one_silo_compute_ms = Rounded(one.ComputeMs),
            one_silo_reduce_ms = Rounded(one.ReduceMs),
        }));
        return 0;
    }

    private static async Task<Measurement> MeasureAsync(string model, int epochs, int limit, int? maxRunSteps, int silos)
    {
        string[] pins = Enumerable.Range(0, silos).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var environment = new Dictionary<string, string> { ["AUTOGRAD_NUM_THREADS"] = "1" };
        if (maxRunSteps is { } cap) environment["Autograd__StepRun__MaxSteps"] = cap.ToString(CultureInfo.InvariantCulture);
        await using var cluster = await SiloCluster.StartAsync(silos, pins, environment);
        var spec = new JobSpec
        {
            Model = model == "mlp" ? Mlp() : Cnn(),
            Dataset = DatasetSpec.FashionMnistTrain(limit),
            Optimizer = OptimizerSpec.AdamWith(1e-3),
            Loss = LossNames.CrossEntropy,
            BatchSize = 128 * silos,
            Epochs = epochs,
            DropLast = true,
            Workers = silos,
            Seed = 0,
            StepTimeout = TimeSpan.FromMinutes(2),
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>($"scaling-{Guid.NewGuid():N}");
        await job.SubmitAsync(spec);

        // Sample each worker's last step timings as the job runs (one sample per observed step), past the first epoch
        // (epochs count from 0) when there are several.
        var compute = new List<double>();
        var reduce = new List<double>();
        long seen = -1;
        JobStatus status;
        while (true)
        {
            status = await job.GetStatusAsync();
            if (status.IsFinished) break;
            if (status.Step != seen && status.Step > 0 && (epochs == 1 || status.Epoch >= 1))
            {
                seen = status.Step;
                foreach (var w in status.Workers)
                {
                    compute.Add(w.LastComputeMilliseconds);
                    reduce.Add(w.LastReduceMilliseconds);
                }
            }

            await Task.Delay(100);
        }

        if (status.State != JobState.Completed)
            throw new InvalidOperationException($"scaling {model} on {silos} silo(s): job {status.State}: {status.FailureReason}{Environment.NewLine}{cluster.Output()}");
        var counted = status.EpochHistory.Length > 1 ? status.EpochHistory.Skip(1).ToArray() : status.EpochHistory;
        double samplesPerSecond = counted.Sum(m => m.Samples) / counted.Sum(m => m.TrainingSeconds ?? double.NaN);
        double wallClock = counted.Sum(m => m.Samples) / counted.Sum(m => m.Seconds);
        var measurement = new Measurement(samplesPerSecond, wallClock, 1000.0 * spec.BatchSize / samplesPerSecond, Median(compute), Median(reduce));
        string epochsText = string.Join(", ", status.EpochHistory.Select(m => $"epoch {m.Epoch}: {m.SamplesPerSecond:F0}/s acc {m.Accuracy:P1}"));
        Console.WriteLine(
            $"{model} {silos} silo(s) x 1 core, {silos} worker(s), global batch {spec.BatchSize}: {samplesPerSecond:F0} samples/s training ({wallClock:F0} wall clock), step {measurement.StepMs:F2} ms " +
            $"(per worker: compute {measurement.ComputeMs:F2} ms, reduce {measurement.ReduceMs:F2} ms, {compute.Count} samples); {epochsText}");
        return measurement;
    }

    private static ModelSpec Mlp() => ModelSpec.Sequential(
        LayerSpec.Flatten(), LayerSpec.Linear(784, 256), LayerSpec.ReLU(), LayerSpec.Linear(256, 128), LayerSpec.ReLU(), LayerSpec.Linear(128, 10));

    private static ModelSpec Cnn() => ModelSpec.Sequential(
        LayerSpec.Conv2d(1, 32, 3), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2),
        LayerSpec.Conv2d(32, 64, 3), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2),
        LayerSpec.Flatten(), LayerSpec.Linear(1600, 128), LayerSpec.ReLU(), LayerSpec.Linear(128, 10));

    /// <summary>Null for a figure that could not be sampled (JSON has no NaN).</summary>
    private static double? Rounded(double value) => double.IsFinite(value) ? Math.Round(value, 2) : null;

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private sealed record Measurement(double SamplesPerSecond, double WallClockSamplesPerSecond, double StepMs, double ComputeMs, double ReduceMs);
}
