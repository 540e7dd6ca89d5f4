using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>A job's loss (mean over the batch) and, when the data has classes, how many samples the model got right.</summary>
public sealed class LossFunction
{
    private readonly Loss _loss;
    private readonly TargetKind _targets;

    private LossFunction(Loss loss, TargetKind targets)
    {
        _loss = loss;
        _targets = targets;
    }

    /// <summary>Refuses a loss name the cluster does not know.</summary>
    public static void Validate(string? name)
    {
        if (name is null || !LossNames.All.Contains(name))
            throw new JobSpecException("loss", $"unknown loss '{name}'; known losses: {string.Join(", ", LossNames.All)}");
    }

    public static LossFunction Create(string name, TargetKind targets) => new(
        name switch
        {
            LossNames.Mse => new MSELoss(),
            LossNames.CrossEntropy => new CrossEntropyLoss(),
            LossNames.BceWithLogits => new BCEWithLogitsLoss(),
            _ => throw new JobSpecException("loss", $"unknown loss '{name}'; known losses: {string.Join(", ", LossNames.All)}"),
        },
        targets);

    /// <summary>
    /// Refuses a model whose output (of the dummy batch of two) does not fit the loss and the data's targets, naming
    /// the last layer.
    /// </summary>
    public static void CheckOutput(string name, int[] output, TrainingData data, int lastLayer)
    {
        int[] expected = data.Targets == TargetKind.Labels ? [2, data.Classes] : [2, .. data.TargetShape];
        if (!output.AsSpan().SequenceEqual(expected))
        {
            string what = data.Targets == TargetKind.Labels
                ? $"{name} over {data.Classes} classes needs outputs [N, {data.Classes}]"
                : $"{name} needs outputs shaped as the targets, [N, {string.Join(", ", data.TargetShape)}]";
            throw new JobSpecException($"model.layers[{lastLayer}]", $"the model's output for a batch of 2 is [{string.Join(", ", output)}], but {what}");
        }
    }

    public Tensor Compute(Tensor output, Tensor target) => _loss.Forward(output, target);

    /// <summary>Samples whose largest output is their class (0 when the data has no classes).</summary>
    public int CountCorrect(Tensor output, Tensor target)
    {
        using var noGrad = Tensor.NoGrad();
        return _targets switch
        {
            TargetKind.Labels => (int)output.Argmax(1).Eq(target).Sum().ItemDouble(),
            TargetKind.OneHot => (int)output.Argmax(1).Eq(target.Argmax(1)).Sum().ItemDouble(),
            _ => 0,
        };
    }
}
