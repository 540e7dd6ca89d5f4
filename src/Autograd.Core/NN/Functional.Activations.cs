namespace Autograd.NN;

/// <summary>
/// Stateless neural-network ops in PyTorch's <c>torch.nn.functional</c> vocabulary. Each op either delegates to a
/// <see cref="Tensor"/> op or records its own gradient rule beside its forward; the nn Modules call these.
/// </summary>
public static partial class Functional
{
    /// <summary>max(x, 0) elementwise (F.relu).</summary>
    public static Tensor Relu(Tensor x) => x.Relu();

    /// <summary>GELU (F.gelu): exact x * Phi(x) by default, or the tanh approximation (approximate='tanh').</summary>
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false) => x.Gelu(tanhApproximation);

    /// <summary>x where x &gt;= 0, else negativeSlope * x (F.leaky_relu).</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01) => x.LeakyRelu(negativeSlope);

    /// <summary>Hyperbolic tangent (torch.tanh).</summary>
    public static Tensor Tanh(Tensor x) => x.Tanh();

    /// <summary>1 / (1 + exp(-x)) (torch.sigmoid).</summary>
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();

    /// <summary>Softmax along <paramref name="dim"/> (F.softmax).</summary>
    public static Tensor Softmax(Tensor x, int dim) => x.Softmax(dim);

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed stably (F.log_softmax).</summary>
    public static Tensor LogSoftmax(Tensor x, int dim) => x.LogSoftmax(dim);
}
