using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// The undisturbed run of a spec, in this process: <see cref="ReferenceTraining"/> (the run N workers at global batch B
/// reproduce to float tolerance: DataParallelEquivalenceTests, MultiProcessClusterTests), and its model's accuracy on
/// the spec's test split, evaluated as the workers do. A job that applied a step twice, or lost one, ends far from
/// these parameters; a job that recovered correctly ends within float noise of them.
/// </summary>
internal sealed record UndisturbedReference(IReadOnlyDictionary<string, float[]> Parameters, double TestAccuracy)
{
    public static UndisturbedReference Run(JobSpec spec)
    {
        var parameters = ReferenceTraining.Run(spec);
        var model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(spec.Seed));
        using (Tensor.NoGrad())
        {
            foreach (var (name, parameter) in model.NamedParameters()) parameter.Copy_(parameters[name]);
        }

        var test = new DatasetProvider().LoadTest(spec.Dataset, spec.Loss)
            ?? throw new InvalidOperationException("the chaos specs need a test split");
        var loss = LossFunction.Create(spec.Loss, test.Targets);
        model.Eval();
        long correct = 0;
        using (Tensor.NoGrad())
        {
            const int batch = 500;
            for (int start = 0; start < test.Count; start += batch)
            {
                using var scope = new TensorScope();
                var indices = Enumerable.Range(start, Math.Min(batch, test.Count - start)).ToArray();
                var tensors = test.Dataset.GetBatch(indices);
                correct += loss.CountCorrect(model.Forward(tensors[0]), tensors[1]);
            }
        }

        return new UndisturbedReference(parameters, (double)correct / test.Count);
    }

    /// <summary>The largest difference between <paramref name="actual"/> (a job's downloaded state dict) and these parameters.</summary>
    public double MaxAbsoluteDifference(IReadOnlyList<NamedTensorData> actual)
    {
        double max = 0;
        foreach (var entry in actual)
        {
            if (!Parameters.TryGetValue(entry.Name, out var want)) continue;
            if (want.Length != entry.Values.Length) throw new InvalidOperationException($"{entry.Name}: {entry.Values.Length} values, the reference has {want.Length}");
            for (int i = 0; i < want.Length; i++) max = Math.Max(max, Math.Abs(entry.Values[i] - want[i]));
        }

        return max;
    }
}
