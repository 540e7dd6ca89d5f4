namespace Autograd.NN;

/// <summary>
/// Normalises over the trailing <see cref="NormalizedShape"/> dimensions, then applies an elementwise affine
/// transform (weight initialised to ones, bias to zeros), as PyTorch's <c>nn.LayerNorm</c>.
/// </summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalized_shape must be a non-empty list of positive sizes, got {Tensor.ShapeString(normalizedShape)}", nameof(normalizedShape));
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        if (elementwiseAffine)
        {
            Weight = Tensor.Ones(NormalizedShape, DType.Float32, requiresGrad: true).MoveToOuterScope();
            Bias = Tensor.Zeros(NormalizedShape, DType.Float32, requiresGrad: true).MoveToOuterScope();
        }
    }

    /// <summary>Normalises over the last dimension, of size <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
        : this([normalizedShape], eps, elementwiseAffine)
    {
    }

    public int[] NormalizedShape { get; }

    public double Eps { get; }

    public bool ElementwiseAffine { get; }

    public Tensor? Weight { get; private set; }

    public Tensor? Bias { get; private set; }

    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    protected override string ExtraRepr() =>
        $"({string.Join(", ", NormalizedShape)}{(NormalizedShape.Length == 1 ? "," : string.Empty)}), eps={PyFormat.Float(Eps)}, elementwise_affine={PyFormat.Bool(ElementwiseAffine)}";
}
