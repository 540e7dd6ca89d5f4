namespace Autograd.NN;

/// <summary>
/// In training mode zeroes each element with probability <see cref="P"/> and scales the rest by 1/(1-p); in
/// evaluation mode returns the input unchanged (PyTorch's <c>nn.Dropout</c>). Masks draw from the given generator
/// or <see cref="Generator.Default"/>.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout probability has to be between 0 and 1, but got {p}");
        P = p;
        _generator = generator;
    }

    public double P { get; }

    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, _generator);

    protected override string ExtraRepr() => $"p={PyFormat.Float(P)}, inplace=False";
}
