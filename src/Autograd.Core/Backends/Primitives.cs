namespace Autograd.Backends;

/// <summary>Elementwise functions of one tensor; <c>alpha</c>/<c>beta</c> carry the op's scalar arguments.</summary>
internal enum UnaryOp
{
    /// <summary>y = alpha * x + beta (scalar add, sub, mul, div and neg).</summary>
    Affine,
    Exp,
    Log,
    Sqrt,
    Abs,
    Tanh,
    Sigmoid,
    Relu,
    /// <summary>alpha = negative slope.</summary>
    LeakyRelu,
    /// <summary>Exact GELU, x * Phi(x), PyTorch's default.</summary>
    Gelu,
    /// <summary>GELU's tanh approximation (approximate='tanh').</summary>
    GeluTanh,
    /// <summary>alpha = min, beta = max (either may be +-infinity).</summary>
    Clamp,
    /// <summary>y = x ^ alpha.</summary>
    PowScalar,
    /// <summary>y = alpha ^ x.</summary>
    ScalarPow,
    /// <summary>y = alpha / x.</summary>
    ScalarDiv,
    Sign,
}

/// <summary>Elementwise functions of two broadcast tensors. Comparisons yield 1 or 0 in the result dtype.</summary>
internal enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

internal enum ReduceOp
{
    Sum,
    Max,
    Min,
}

/// <summary>What <see cref="IBackend.FillRandom"/> draws.</summary>
internal enum RandomKind
{
    /// <summary>U[a, b).</summary>
    Uniform,
    /// <summary>N(a, b^2).</summary>
    Normal,
    /// <summary>1 with probability a, else 0.</summary>
    Bernoulli,
}

/// <summary>Shape of a 2-D sliding window over an input [N, C, H, W]; shared by im2col and pooling.</summary>
internal readonly record struct WindowGeometry(
    int Batch,
    int Channels,
    int Height,
    int Width,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    int DilationH,
    int DilationW)
{
    public int OutH => ((Height + (2 * PadH) - (DilationH * (KernelH - 1)) - 1) / StrideH) + 1;

    public int OutW => ((Width + (2 * PadW) - (DilationW * (KernelW - 1)) - 1) / StrideW) + 1;
}

/// <summary>Hyper-parameters of one fused Adam/AdamW update (PyTorch's formulas).</summary>
internal readonly record struct AdamParameters(
    double Lr,
    double Beta1,
    double Beta2,
    double Eps,
    double WeightDecay,
    bool Decoupled,
    bool Amsgrad,
    long Step,
    bool Maximize);

/// <summary>Hyper-parameters of one fused SGD update (PyTorch's formulas).</summary>
internal readonly record struct SgdParameters(
    double Lr,
    double Momentum,
    double Dampening,
    double WeightDecay,
    bool Nesterov,
    bool FirstStep,
    bool Maximize);
