using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Autograd.Bench;

/// <summary>
/// The shard's per-step CPU work in one process, without the network, before and after the float-path changes:
/// averaging N contributions of F floats (the scalar double loop with its copies that ParameterShardGrain.Apply ran
/// first, against <see cref="GradientAverager"/>), and one Orleans serializer round trip of F floats (a raw
/// <c>byte[]</c>, the block's first representation, against <see cref="FloatBlock"/>'s codec). Best of K runs.
/// </summary>
internal static class AveragingBenchmark
{
    public static int Run(string[] args)
    {
        int floats = 5_000_000, ranks = 2, iters = 10;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--floats": floats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ranks": ranks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--iters": iters = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"averaging: unknown argument '{args[i]}'");
            }
        }

        var random = new Random(1);
        var contributions = Enumerable.Range(0, ranks)
            .Select(r => new GradientContribution(0, 0, r, 64, FloatBlock.Wrap(Enumerable.Range(0, floats).Select(_ => random.NextSingle()).ToArray())))
            .ToArray();
        // Into one reused array, as a shard averages each chunk into that chunk's gradient every step.
        var average = new float[floats];
        double scalar = Best(iters, () => ScalarDoubleAverage(contributions, floats));
        double simd = Best(iters, () => GradientAverager.WeightedMean(contributions, average));

        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var bytes = new byte[floats * sizeof(float)];
        var block = contributions[0].Gradient;
        double asBytes = Best(iters, () => serializer.Deserialize<byte[]>(serializer.SerializeToArray(bytes))!);
        double asBlock = Best(iters, () => serializer.Deserialize<FloatBlock>(serializer.SerializeToArray(block))!);

        Console.WriteLine($"averaging ranks={ranks} floats={floats}: scalar double loop {scalar:F2} ms, GradientAverager {simd:F2} ms ({scalar / simd:F1}x)");
        Console.WriteLine($"serializer round trip floats={floats}: byte[] {asBytes:F2} ms, FloatBlock codec {asBlock:F2} ms");
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
        {
            bench = "averaging",
            ranks,
            floats,
            scalar_double_ms = Math.Round(scalar, 3),
            gradient_averager_ms = Math.Round(simd, 3),
            serialize_bytes_ms = Math.Round(asBytes, 3),
            serialize_block_ms = Math.Round(asBlock, 3),
        }));
        return 0;
    }

    /// <summary>What ParameterShardGrain.Apply did first: a double sum in a fresh array, each block copied out first.</summary>
    private static float[] ScalarDoubleAverage(GradientContribution[] contributions, int count)
    {
        long samples = contributions.Sum(c => (long)c.Samples);
        var sum = new double[count];
        var slice = new float[count];
        foreach (var c in contributions)
        {
            double weight = (double)c.Samples / samples;
            c.Gradient.CopyTo(slice);
            for (int i = 0; i < count; i++) sum[i] += weight * slice[i];
        }

        for (int i = 0; i < count; i++) slice[i] = (float)sum[i];
        return slice;
    }

    private static double Best(int iters, Func<object> run)
    {
        double best = double.MaxValue;
        for (int i = 0; i < iters + 1; i++)
        {
            long start = Stopwatch.GetTimestamp();
            GC.KeepAlive(run());
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i > 0) best = Math.Min(best, ms);
        }

        return best;
    }
}
