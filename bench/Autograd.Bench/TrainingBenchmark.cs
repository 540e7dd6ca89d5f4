using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Autograd.Backends.Cpu.Threading;
using Autograd.Data;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Bench;

/// <summary>
/// Fashion-MNIST training as ../shared/reference/torch_fmnist.py runs it: same models, Adam 1e-3, batch 128,
/// a fresh shuffle each epoch, training time measured over the step loop only, test accuracy after each epoch.
/// Every step runs inside a <see cref="TensorScope"/>, so its tensors go back to the buffer pool.
/// </summary>
internal static class TrainingBenchmark
{
    public static int Run(string kind, string[] args)
    {
        int epochs = 1, batch = 128, limit = int.MaxValue, seed = 0;
        int? threads = null;
        var device = Device.Cpu;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--limit": limit = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--device": device = Device.Parse(args[++i]); break;
                default:
                    if (int.TryParse(args[i], CultureInfo.InvariantCulture, out int e)) epochs = e;
                    else throw new ArgumentException($"{kind}: unknown argument '{args[i]}'");
                    break;
            }
        }

        if (threads is int t) CpuParallel.SetThreads(t);
        Tensor.ManualSeed(seed);
        Dataset train = OnDevice(FashionMnist.Load(train: true), device);
        var test = OnDevice(FashionMnist.Load(train: false), device);
        if (limit < train.Count) train = Subset.First(train, limit);

        Module model = kind == "mlp" ? Models.Mlp() : Models.Cnn();
        model.To(device);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        var loader = new DataLoader(train, batchSize: batch, shuffle: true, dropLast: true, generator: new Generator(seed));
        Console.WriteLine($"autograd {kind} device={device} threads={CpuParallel.DegreeOfParallelism} params={model.NumParameters} batch={batch} samples={train.Count}");

        double trainSeconds = 0, accuracy = 0, lastLoss = double.NaN;
        long steps = 0, gcBytes = 0, gcCount = GC.CollectionCount(0);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.Train();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            int epochSteps = 0;
            foreach (var batchTensors in loader)
            {
                using var scope = new TensorScope();
                foreach (var tensor in batchTensors) scope.Adopt(tensor);
                var (x, y) = batchTensors;
                optimizer.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(x), y);
                loss.Backward();
                optimizer.Step();
                if (++epochSteps == loader.Count) lastLoss = loss.Item();
            }

            clock.Stop();
            // The first epoch's allocations include warm-up (pool filling, JIT); later epochs show the steady state.
            if (epoch == epochs) gcBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / Math.Max(epochSteps, 1);
            trainSeconds += clock.Elapsed.TotalSeconds;
            steps += epochSteps;
            accuracy = Evaluate(model, test);
            Console.WriteLine($"epoch {epoch}: train {epochSteps * batch / clock.Elapsed.TotalSeconds:F0} samples/s loss {lastLoss:F4} test_acc {accuracy:F4}");
        }

        var result = new Dictionary<string, object>
        {
            ["bench"] = kind,
            ["epochs"] = epochs,
            ["batch"] = batch,
            ["threads"] = CpuParallel.DegreeOfParallelism,
            ["device"] = device.ToString(),
            ["samples_per_s"] = Math.Round(steps * batch / trainSeconds),
            ["test_acc"] = Math.Round(accuracy, 4),
            ["final_loss"] = Math.Round(lastLoss, 4),
            ["gc_bytes_per_step"] = gcBytes,
            ["gen0_collections"] = GC.CollectionCount(0) - gcCount,
        };
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>The whole dataset moved to the device once, so batches are gathered there.</summary>
    private static TensorDataset OnDevice(TensorDataset dataset, Device device) =>
        device == Device.Cpu ? dataset : new TensorDataset(dataset.Tensors.Select(t => t.To(device)).ToArray());

    /// <summary>Test accuracy in eval mode without recording gradients, in chunks of 1000 images.</summary>
    private static double Evaluate(Module model, TensorDataset test)
    {
        model.Eval();
        using var noGrad = Tensor.NoGrad();
        long correct = 0;
        foreach (var batchTensors in new DataLoader(test, batchSize: 1000))
        {
            using var scope = new TensorScope();
            foreach (var tensor in batchTensors) scope.Adopt(tensor);
            var (x, y) = batchTensors;
            correct += (long)model.Forward(x).Argmax(1).Eq(y).Sum().ItemDouble();
        }

        return correct / (double)test.Count;
    }
}
