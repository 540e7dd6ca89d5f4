namespace Autograd.NN;

/// <summary>
/// y = x W^T + b over the last dimension (PyTorch's <c>nn.Linear</c>). Weight is [out, in] and, as PyTorch,
/// initialised by Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)); the bias draws from the same
/// range. State-dict names: <c>weight</c>, <c>bias</c>.
/// </summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentException($"Linear: in_features and out_features must be non-negative, got in_features={inFeatures}, out_features={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Tensor.Empty([outFeatures, inFeatures], DType.Float32).MoveToOuterScope().RequiresGrad_();
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (bias)
        {
            Bias = Tensor.Empty([outFeatures], DType.Float32).MoveToOuterScope().RequiresGrad_();
            double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            Init.Uniform_(Bias, -bound, bound);
        }
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>The [out_features, in_features] weight.</summary>
    public Tensor Weight { get; private set; }

    /// <summary>The [out_features] bias, or null when built with bias: false.</summary>
    public Tensor? Bias { get; private set; }

    public override Tensor Forward(Tensor input) => Tensor.Linear(input, Weight, Bias);

    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={PyFormat.Bool(Bias is not null)}";
}
