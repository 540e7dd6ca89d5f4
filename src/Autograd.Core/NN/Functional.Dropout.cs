using Autograd.Backends;

namespace Autograd.NN;

public static partial class Functional
{
    /// <summary>
    /// Dropout (F.dropout): in training, zeroes each element with probability <paramref name="p"/> and scales the
    /// survivors by 1/(1-p), so the expected value is unchanged; otherwise (or with p = 0) returns the input itself.
    /// The mask is drawn from <paramref name="generator"/> (the default generator when null).
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"Dropout: dropout probability has to be between 0 and 1, but got {p} (input {Tensor.ShapeString(input.ShapeRef)})", nameof(p));
        if (!training || p == 0) return input;
        CheckFloatingPoint(input, "input", "Dropout");

        // p = 1 multiplies by zero rather than filling zeros, as PyTorch does: NaN stays NaN and the gradient is 0.
        if (p == 1) return input * Tensor.Scalar(0, input.DType, input.Device);

        var mask = Tensor.Empty(input.ShapeRef, input.DType, input.Device);
        var backend = mask.Backend;
        backend.FillRandom(mask.Storage, RandomKind.Bernoulli, generator ?? Generator.Default, 1 - p, 0);
        backend.Unary(UnaryOp.Affine, mask.Storage, mask.Storage, 1 / (1 - p), 0);
        return input * mask;
    }
}
