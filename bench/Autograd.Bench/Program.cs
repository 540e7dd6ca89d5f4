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
        return 2;
    }
}
