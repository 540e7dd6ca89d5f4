namespace Autograd.Bench;

/// <summary>
/// Benchmark dispatcher: <c>dotnet run -c Release --project bench/Autograd.Bench -- &lt;command&gt; [args]</c>.
/// Each command lives in its own <c>XxxBenchmark</c> class with <c>static int Run(string[] args)</c>
/// that prints human-readable lines and ends with one <c>RESULT {json}</c> line.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
            return Usage();
        string[] rest = args[1..];
        switch (args[0])
        {
            case "gemm":
                return GemmBenchmark.Run(rest);
            case "mlp":
            case "cnn":
                return TrainingBenchmark.Run(args[0], rest);
            case "allreduce":
                return AllReduceBenchmark.Run(rest);
            case "scaling":
                return ScalingBenchmark.Run(rest);
            case "averaging":
                return AveragingBenchmark.Run(rest);
            case "soak":
                return SoakBenchmark.Run(rest);
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Autograd.Bench <command> [args]");
        Console.Error.WriteLine("  gemm [N] [--threads T] [--iters I] [--device D]   sgemm GFLOP/s for N^3 and the MLP/CNN shapes");
        Console.Error.WriteLine("  mlp|cnn [--epochs E] [--batch B] [--threads T] [--limit N] [--seed S] [--device cpu|cuda[:i]|opencl[:i]|ilgpu-cpu|auto]");
        Console.Error.WriteLine("                                       Fashion-MNIST training as ../shared/reference/torch_fmnist.py");
        Console.Error.WriteLine("  allreduce [--silos N] [--floats F[,F2...]] [--iters K] [--shards-per-silo S]");
        Console.Error.WriteLine("                                       averaging F floats over N silo processes through the parameter shards");
        Console.Error.WriteLine("  averaging [--floats F] [--ranks N] [--iters K]");
        Console.Error.WriteLine("                                       a shard's averaging and one serializer round trip, in process");
        Console.Error.WriteLine("  scaling [--model mlp|cnn] [--epochs E] [--limit N] [--max-run-steps K] [--repeat R]");
        Console.Error.WriteLine("                                       Fashion-MNIST samples/s: 2 pinned silos x 2 workers against 1 pinned silo x 1 worker");
        Console.Error.WriteLine("  soak [--minutes M] [--warmup-minutes W] [--calibrate-seconds C] [--threads T] [--silos N]");
        Console.Error.WriteLine("                                       MLP, CNN and regression jobs together on N silo processes: memory and thread-pool health over time");
        return 2;
    }
}
