using System.Globalization;
using System.Text.Json;
using Autograd.Bench.Cluster;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Benchmarks;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Bench;

/// <summary>
/// Gradient averaging through the real <see cref="IParameterShardGrain"/>s, as ../shared/reference/gloo_allreduce.py
/// times torch.distributed's all_reduce: N silo processes on loopback (Redis membership), one contributor per silo
/// (<see cref="IAllReduceProbeGrain"/>, the worker's exchange without the model) and N shards spread over the silos,
/// SGD with lr = 1 (the shard's real path: average, optimizer, answer). As torch.distributed's all_reduce works on one
/// flat tensor in place, a contributor sends views of its flat gradient and receives the averaged slices into its flat
/// parameter array. Each iteration starts with a barrier (every contributor reduces one float through a shard of its
/// own), as the reference calls dist.barrier() before its clock; an iteration's time is then the slowest contributor's,
/// from its first send to having every averaged slice in place (the reference reports rank 0's). The first 20 iterations are dropped: the silos' JIT recompiles a method optimized only after 30
/// calls, and a training job runs thousands of steps, so the steady state is what counts (the reference drops 3).
/// </summary>
internal static class AllReduceBenchmark
{
    private const int WarmUp = 20;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        int silos = 2, iters = 10, shardsPerSilo = 1;
        bool pin = false;
        int[] sizes = [1_000_000];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--silos": silos = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--floats": sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--iters": iters = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--shards-per-silo": shardsPerSilo = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--pin": pin = true; break;
                default: throw new ArgumentException($"allreduce: unknown argument '{args[i]}'");
            }
        }

        if (silos < 1 || iters < 1 || shardsPerSilo < 1 || sizes.Any(f => f < silos * shardsPerSilo))
            throw new ArgumentException($"allreduce: need --silos >= 1, --iters >= 1, --shards-per-silo >= 1 and --floats >= silos x shards per silo (got {silos}, {iters}, {shardsPerSilo}, {string.Join(",", sizes)})");

        // One engine thread per silo, as the reference runs each rank with torch.set_num_threads(1): the shard's
        // optimizer step is then not spread over threads that spin on cores the other silos need. With --pin, silo r
        // runs on core r mod the cores (taskset), as bench/reference/gloo_allreduce_pinned.py pins rank r.
        string[]? pins = pin ? Enumerable.Range(0, silos).Select(r => (r % Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture)).ToArray() : null;
        await using var cluster = await SiloCluster.StartAsync(silos, pins, new Dictionary<string, string> { ["AUTOGRAD_NUM_THREADS"] = "1" });
        foreach (int floats in sizes)
        {
            var result = await MeasureAsync(cluster.Grains, silos, silos * shardsPerSilo, floats, iters);
            Console.WriteLine(
                $"allreduce silos={silos}{(pin ? " (pinned)" : "")} shards={result.Shards} floats={floats} median_ms={result.MedianMs:F2} min_ms={result.MinMs:F2} " +
                $"(send {result.SendMs:F2}, round trip {result.RoundTripMs:F2}, unpack {result.UnpackMs:F2}; GC pause {result.GcPauseMs:F2} ms, " +
                $"{result.Gen2PerIteration:F2} gen-2 GCs per contributor and iteration; contributors on {result.DistinctSilos} silos, " +
                $"{result.DataPlaneShards:F2} shards per contributor over the data plane)");
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
            {
                bench = "allreduce",
                silos,
                pinned = pin,
                shards = result.Shards,
                floats,
                iters,
                median_ms = Math.Round(result.MedianMs, 3),
                min_ms = Math.Round(result.MinMs, 3),
                send_ms = Math.Round(result.SendMs, 3),
                round_trip_ms = Math.Round(result.RoundTripMs, 3),
                unpack_ms = Math.Round(result.UnpackMs, 3),
                gc_pause_ms = Math.Round(result.GcPauseMs, 3),
                gen2_per_iteration = Math.Round(result.Gen2PerIteration, 3),
                data_plane_shards = Math.Round(result.DataPlaneShards, 3),
                busbw_GBps = Math.Round(4.0 * floats * 2 * (silos - 1) / silos / (result.MedianMs / 1e3) / 1e9, 3),
            }));
        }

        return 0;
    }

    private static async Task<Measurement> MeasureAsync(IGrainFactory grains, int silos, int shards, int floats, int iters)
    {
        string run = $"allreduce-{Guid.NewGuid():N}";
        var ranges = Split(floats, shards);
        var shardGrains = ranges.Select(r => grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(run, r.Index))).ToArray();
        var probes = Enumerable.Range(0, silos).Select(r => grains.GetGrain<IAllReduceProbeGrain>(GrainKeys.Member(run, r))).ToArray();
        // The contributors' barrier before each timed iteration: a one-float shard of its own job.
        string barrierRun = run + "-barrier";
        var barrier = grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(barrierRun, 0));
        try
        {
            await Task.WhenAll(ranges.Select((r, s) => shardGrains[s].InitializeAsync(new ShardSetup
            {
                JobId = run,
                Range = r,
                WorldSize = silos,
                Optimizer = OptimizerSpec.SgdWith(1.0),
                InitialValues = FloatBlock.From(new float[r.Count]),
            })));
            await barrier.InitializeAsync(new ShardSetup
            {
                JobId = barrierRun,
                Range = new ShardRange(0, 0, 1),
                WorldSize = silos,
                Optimizer = OptimizerSpec.SgdWith(1.0),
                InitialValues = FloatBlock.From([0f]),
            });
            var where = await Task.WhenAll(probes.Select((p, rank) => p.PrepareAsync(new AllReduceProbeSetup
            {
                RunId = run,
                Rank = rank,
                WorldSize = silos,
                Floats = floats,
                Shards = ranges,
                BarrierShard = barrier.GetPrimaryKeyString(),
            })));

            var slowest = new List<AllReduceTiming>();
            var all = new List<AllReduceTiming>();
            for (long step = 0; step < WarmUp + iters; step++)
            {
                var timings = await Task.WhenAll(probes.Select(p => p.IterateAsync(step)));
                if (step < WarmUp) continue;
                slowest.Add(timings.MaxBy(t => t.TotalMilliseconds)!);
                all.AddRange(timings);
            }

            return new Measurement(
                Median(slowest.Select(t => t.TotalMilliseconds)),
                slowest.Min(t => t.TotalMilliseconds),
                Median(slowest.Select(t => t.SendMilliseconds)),
                Median(slowest.Select(t => t.ReduceMilliseconds)),
                Median(slowest.Select(t => t.UnpackMilliseconds)),
                Median(slowest.Select(t => t.GcPauseMilliseconds)),
                all.Average(t => t.Gen2Collections),
                where.Distinct().Count(),
                ranges.Length,
                all.Average(t => t.DataPlaneShards));
        }
        finally
        {
            await Task.WhenAll(probes.Select(p => p.ReleaseAsync()).Concat(shardGrains.Select(s => s.ReleaseAsync())).Append(barrier.ReleaseAsync()));
        }
    }

    /// <summary><paramref name="shards"/> slices (more when one would exceed a message), sizes differing by at most one.</summary>
    private static ShardRange[] Split(int floats, int shards)
    {
        int count = Math.Max(shards, (int)(((long)floats + FloatBlock.MaxFloats - 1) / FloatBlock.MaxFloats));
        var ranges = new ShardRange[count];
        long offset = 0;
        for (int s = 0; s < count; s++)
        {
            int size = (floats / count) + (s < floats % count ? 1 : 0);
            ranges[s] = new ShardRange(s, offset, size);
            offset += size;
        }

        return ranges;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Measurement(double MedianMs, double MinMs, double SendMs, double RoundTripMs, double UnpackMs, double GcPauseMs, double Gen2PerIteration, int DistinctSilos, int Shards, double DataPlaneShards);
}
