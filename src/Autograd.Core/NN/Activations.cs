namespace Autograd.NN;

/// <summary>max(0, x) elementwise (PyTorch's <c>nn.ReLU</c>).</summary>
public sealed class ReLU : Module
{
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary>x for x &gt;= 0, negativeSlope * x otherwise (PyTorch's <c>nn.LeakyReLU</c>).</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    public double NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);

    protected override string ExtraRepr() => $"negative_slope={PyFormat.Float(NegativeSlope)}";
}

/// <summary>Gaussian error linear unit, exact (<c>"none"</c>) or with the <c>"tanh"</c> approximation (PyTorch's <c>nn.GELU</c>).</summary>
public sealed class GELU : Module
{
    public GELU(string approximate = "none")
    {
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"GELU: approximate must be \"none\" or \"tanh\", got \"{approximate}\"", nameof(approximate));
        Approximate = approximate;
    }

    public string Approximate { get; }

    public override Tensor Forward(Tensor input) => input.Gelu(tanhApproximation: Approximate == "tanh");

    protected override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary>tanh elementwise (PyTorch's <c>nn.Tanh</c>).</summary>
public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary>1 / (1 + exp(-x)) elementwise (PyTorch's <c>nn.Sigmoid</c>).</summary>
public sealed class Sigmoid : Module
{
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary>Softmax along <see cref="Dim"/> (PyTorch's <c>nn.Softmax</c>).</summary>
public sealed class Softmax(int dim) : Module
{
    public int Dim { get; } = dim;

    public override Tensor Forward(Tensor input) => input.Softmax(Dim);

    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax along <see cref="Dim"/> (PyTorch's <c>nn.LogSoftmax</c>).</summary>
public sealed class LogSoftmax(int dim) : Module
{
    public int Dim { get; } = dim;

    public override Tensor Forward(Tensor input) => input.LogSoftmax(Dim);

    protected override string ExtraRepr() => $"dim={Dim}";
}
