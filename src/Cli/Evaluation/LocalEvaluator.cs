using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Autograd.Data;

namespace Autograd.Cluster.Cli.Evaluation;

/// <summary>
/// Evaluates a downloaded model in this process with Autograd.Core: builds the job's network, loads the safetensors
/// file into it (strictly: every name and shape must match), and runs the dataset's test split (the training split
/// when there is none) in eval mode without a graph, with the job's loss.
/// </summary>
internal static class LocalEvaluator
{
    private const int BatchSize = 1000;

    public static EvaluationResult Evaluate(JobSpec spec, string modelPath)
    {
        if (!File.Exists(modelPath)) throw new CliException($"no model file '{modelPath}'", ExitCodes.BadInput);
        var provider = new DatasetProvider();
        var data = provider.LoadTest(spec.Dataset, spec.Loss);
        string split = "test";
        if (data is null)
        {
            data = provider.Load(spec.Dataset, spec.Loss);
            split = "training";
        }

        var model = ModelFactory.Build(spec.Model, new Generator(spec.Seed));
        try
        {
            model.Load(modelPath, strict: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException or KeyNotFoundException or IOException)
        {
            throw new CliException($"'{modelPath}' does not load into the job's model: {e.Message}", ExitCodes.BadInput);
        }

        model.Eval();
        var loss = LossFunction.Create(spec.Loss, data.Targets);
        double lossSum = 0;
        long correct = 0;
        using var noGrad = Tensor.NoGrad();
        foreach (var (x, y) in new DataLoader(data.Dataset, BatchSize))
        {
            using var scope = new TensorScope();
            scope.Adopt(x);
            scope.Adopt(y);
            var output = model.Forward(x);
            int n = x.Shape[0];
            lossSum += loss.Compute(output, y).Item() * (double)n;
            correct += loss.CountCorrect(output, y);
        }

        return new EvaluationResult(split, data.Count, lossSum / data.Count, data.Classes > 0 ? (double)correct / data.Count : null);
    }
}
