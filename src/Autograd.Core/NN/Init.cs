using Autograd.Backends;

namespace Autograd.NN;

/// <summary>Which fan the Kaiming initialisers scale by (PyTorch's <c>mode</c>).</summary>
public enum FanMode
{
    /// <summary>Preserves the variance of the activations in the forward pass.</summary>
    FanIn,

    /// <summary>Preserves the variance of the gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>The nonlinearities <see cref="Init.CalculateGain"/> knows (PyTorch's names in comments).</summary>
public enum Nonlinearity
{
    /// <summary>'linear' (also the conv layers): gain 1.</summary>
    Linear,

    /// <summary>'sigmoid': gain 1.</summary>
    Sigmoid,

    /// <summary>'tanh': gain 5/3.</summary>
    Tanh,

    /// <summary>'relu': gain sqrt(2).</summary>
    Relu,

    /// <summary>'leaky_relu': gain sqrt(2 / (1 + slope^2)), slope 0.01 by default.</summary>
    LeakyRelu,

    /// <summary>'selu': gain 3/4.</summary>
    Selu,
}

/// <summary>
/// Parameter initialisers of <c>torch.nn.init</c>, with PyTorch's formulas. Each fills the tensor in place
/// (without recording a gradient), draws from the given <c>generator</c> or <see cref="Generator.Default"/>, and
/// returns the tensor. A tensor with no elements is left as it is.
/// </summary>
public static class Init
{
    /// <summary>The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); <paramref name="param"/> is leaky_relu's slope.</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unsupported nonlinearity"),
    };

    /// <summary>
    /// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive field is the
    /// product of the dimensions after the first two (torch.nn.init._calculate_fan_in_and_fan_out).
    /// </summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.ShapeRef;
        if (shape.Length < 2)
            throw new ArgumentException($"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape {Tensor.ShapeString(shape)})", nameof(tensor));
        int receptive = 1;
        for (int d = 2; d < shape.Length; d++) receptive *= shape[d];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al., 2015); <paramref name="a"/> is the leaky_relu slope.</summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        if (tensor.Numel == 0) return tensor;
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>N(0, std^2) with std = gain / sqrt(fan) (He et al., 2015).</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        if (tensor.Numel == 0) return tensor;
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        return Normal_(tensor, 0, std, generator);
    }

    /// <summary>U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -a, a, generator);
    }

    /// <summary>N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot and Bengio, 2010).</summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Normal_(tensor, 0, std, generator);
    }

    /// <summary>U(a, b).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        if (!(a <= b)) throw new ArgumentException($"Uniform_: expects a <= b, but got a={a}, b={b}");
        return FillRandom(tensor, RandomKind.Uniform, a, b, generator, "Uniform_");
    }

    /// <summary>N(mean, std^2).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        if (!(std >= 0)) throw new ArgumentException($"Normal_: expects std >= 0.0, but got std={std}");
        return FillRandom(tensor, RandomKind.Normal, mean, std, generator, "Normal_");
    }

    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>Every element set to <paramref name="value"/>.</summary>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var noGrad = Tensor.NoGrad();
        return tensor.Fill_(value);
    }

    private static int Fan(Tensor tensor, FanMode mode)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return mode == FanMode.FanIn ? fanIn : fanOut;
    }

    private static Tensor FillRandom(Tensor tensor, RandomKind kind, double a, double b, Generator? generator, string op)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.DType.IsFloatingPoint()) throw new ArgumentException($"{op}: expects a floating point tensor, got {tensor.DType.TorchName()}", nameof(tensor));
        if (tensor.Numel == 0) return tensor;
        tensor.Backend.FillRandom(tensor.Storage, kind, generator ?? Generator.Default, a, b);
        tensor.Storage.BumpVersion();
        return tensor;
    }
}
