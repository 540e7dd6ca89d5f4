namespace Autograd.NN;

/// <summary>
/// A loss criterion: <c>criterion.Forward(input, target)</c>, as PyTorch's loss modules (which take two tensors, so
/// they are not <see cref="Module"/>s here). Each calls its <see cref="Functional"/> op with the stored options.
/// </summary>
public abstract class Loss
{
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the per-element losses are combined: none, mean (default) or sum.</summary>
    public Reduction Reduction { get; }

    public abstract Tensor Forward(Tensor input, Tensor target);

    public override string ToString() => GetType().Name + "()";
}

/// <summary>Mean squared error (PyTorch's <c>nn.MSELoss</c>).</summary>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>Log-softmax plus negative log-likelihood over class logits [N, C] and Int64 targets [N], with optional label smoothing (PyTorch's <c>nn.CrossEntropyLoss</c>).</summary>
public sealed class CrossEntropyLoss : Loss
{
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0");
        LabelSmoothing = labelSmoothing;
    }

    public double LabelSmoothing { get; }

    public override Tensor Forward(Tensor input, Tensor target) => Functional.CrossEntropy(input, target, Reduction, LabelSmoothing);
}

/// <summary>Negative log-likelihood of log-probabilities [N, C] at Int64 targets [N] (PyTorch's <c>nn.NLLLoss</c>).</summary>
public sealed class NLLLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Reduction);
}

/// <summary>Sigmoid plus binary cross-entropy, computed stably from logits, with an optional positive-class weight (PyTorch's <c>nn.BCEWithLogitsLoss</c>).</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    public BCEWithLogitsLoss(Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
        : base(reduction)
    {
        PosWeight = posWeight?.MoveToOuterScope();
    }

    /// <summary>The weight of positive examples per class, or null.</summary>
    public Tensor? PosWeight { get; }

    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropyWithLogits(input, target, Reduction, PosWeight);
}
